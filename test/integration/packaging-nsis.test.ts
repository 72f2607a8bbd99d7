/**
 * Issue 25, Windows: oslc-admin.exe on PATH as an opt-in of the NSIS installer (build/installer.nsh,
 * electron-builder.yml's nsis.include). No Windows installer can be built here (electron-builder's
 * NSIS and the Windows Electron are downloads, and its uninstaller pass runs under Wine), so what is
 * checked is that the include compiles, warnings as errors, with Debian's makensis (apt nsis; .ci/run
 * installs it) in both of electron-builder's passes — the installer and the uninstaller
 * (BUILD_UNINSTALLER) — at the places electron-builder's templates insert its macros, and that a
 * broken include fails the same check. The installer is not run (no Windows, no Wine).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const include = join(root, 'build/installer.nsh');
const makensis = (process.env.PATH ?? '').split(delimiter).some((d) => d !== '' && existsSync(join(d, 'makensis')));
const work = mkdtempSync(join(tmpdir(), 'oslc-nsis-'));

afterAll(() => rmSync(work, { recursive: true, force: true }));

/**
 * A script shaped like electron-builder's installer.nsi for the assisted (oneClick: false)
 * installer: the custom include first, then MUI2 and multiUser's $installMode; customInit in
 * .onInit, customPageAfterChangeDir after the folder page, customInstall in the install section;
 * with BUILD_UNINSTALLER, customUnInstall in the uninstall section.
 */
function harness(includeFile: string, uninstaller: boolean): string {
  const out = join(work, uninstaller ? 'harness-uninstaller.exe' : 'harness-installer.exe');
  const common = [
    'Unicode true',
    'Name "OSLC Cluster Admin"',
    `OutFile "${out}"`,
    'RequestExecutionLevel user',
    'InstallDir "$LOCALAPPDATA\\Programs\\oslc-cluster-admin"',
    ...(uninstaller ? ['!define BUILD_UNINSTALLER'] : []),
    `!include "${includeFile}"`,
    '!include MUI2.nsh',
    'Var installMode',
  ];
  const body = uninstaller
    ? [
        '!insertmacro MUI_UNPAGE_INSTFILES',
        '!insertmacro MUI_LANGUAGE "English"',
        'Section "install"',
        '  StrCpy $installMode all',
        '  WriteUninstaller "$INSTDIR\\Uninstall OSLC Cluster Admin.exe"',
        'SectionEnd',
        'Section "un.install"',
        '  !insertmacro customUnInstall',
        'SectionEnd',
      ]
    : [
        '!insertmacro MUI_PAGE_DIRECTORY',
        '!insertmacro customPageAfterChangeDir',
        '!insertmacro MUI_PAGE_INSTFILES',
        '!insertmacro MUI_LANGUAGE "English"',
        'Function .onInit',
        '  StrCpy $installMode CurrentUser',
        '  !insertmacro customInit',
        'FunctionEnd',
        'Section "install"',
        '  !insertmacro customInstall',
        'SectionEnd',
      ];
  const script = join(work, uninstaller ? 'un.nsi' : 'setup.nsi');
  writeFileSync(script, `${[...common, ...body].join('\n')}\n`);
  return script;
}

const compile = (script: string) =>
  spawnSync('makensis', ['-V2', '-WX', script], { encoding: 'utf8', timeout: 60_000 });

describe('the NSIS include: oslc-admin.exe on PATH, opted into', () => {
  const nsh = readFileSync(include, 'utf8');

  it('asks on a page of its own, unchecked unless an earlier install opted in; /ADDCLITOPATH when silent', () => {
    expect(nsh).toMatch(/!macro customPageAfterChangeDir\s+Page custom OslcCliPathPage OslcCliPathPageLeave/);
    expect(nsh).toMatch(/\$\{GetOptions\} \$R0 "\/ADDCLITOPATH"/);
    // Off unless asked for (the option, the box, or the entry already there).
    expect(nsh).toMatch(/Function OslcCliPathInit\s+StrCpy \$OslcCliOnPath 0/);
    expect(nsh).toMatch(/\$\{If\} \$OslcCliOnPath == 1\s+Call OslcAddCliToPath/);
  });

  it('adds $INSTDIR\\cli to the user’s PATH or, installed for all users, the system’s; the uninstaller takes it out', () => {
    expect(nsh).toContain('!define OSLC_CLI_DIR "$INSTDIR\\cli"');
    expect(nsh).toContain('WriteRegExpandStr HKCU "${OSLC_USER_ENV_KEY}" "Path" $R2');
    expect(nsh).toContain('WriteRegExpandStr HKLM "${OSLC_SYSTEM_ENV_KEY}" "Path" $R2');
    expect(nsh).toMatch(/!macro customUnInstall[\s\S]*Call un\.OslcRemoveCliFromPath[\s\S]*!macroend/);
  });

  it.skipIf(!makensis)('compiles with makensis, warnings as errors, as the installer and as the uninstaller', () => {
    for (const uninstaller of [false, true]) {
      const r = compile(harness(include, uninstaller));
      expect(r.stdout + r.stderr, uninstaller ? 'uninstaller' : 'installer').not.toMatch(/error|warning/i);
      expect(r.status).toBe(0);
      expect(existsSync(join(work, uninstaller ? 'harness-uninstaller.exe' : 'harness-installer.exe'))).toBe(true);
    }
  });

  it.skipIf(!makensis)(
    'and the same check fails on a broken include (an install function the installer never calls)',
    () => {
      const broken = join(work, 'broken.nsh');
      writeFileSync(broken, nsh.replace('    Call OslcAddCliToPath\n', '    Nop\n'));
      const r = compile(harness(broken, false));
      expect(r.status).not.toBe(0);
      expect(r.stdout + r.stderr).toMatch(/OslcAddCliToPath/);
    },
  );

  it.skipIf(makensis)('compiling it: skipped, makensis is not installed (apt install nsis; .ci/run does)', () => {});
});
