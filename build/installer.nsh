; The Windows installer's one addition (electron-builder.yml, nsis.include): oslc-admin.exe on PATH,
; as an opt-in. The CLI is the folder $INSTDIR\cli (build/cli-sea.mjs; build/dist.mjs copies it into
; every Windows build made on Windows, so the zip holds it too).
;
;   - A page after the folder choice asks; the box is unchecked, unless PATH already names this
;     install's cli folder (an update of an install that opted in).
;   - A silent install opts in with /ADDCLITOPATH (setup.exe /S /ADDCLITOPATH); a silent update keeps
;     an earlier opt-in.
;   - "Only for me" changes the user's PATH (HKCU\Environment); "for all users" the system's.
;   - The uninstaller takes out exactly that entry and leaves the rest of PATH as it was.
;   - A PATH longer than this NSIS build can hold in one string is left alone, and the installer says
;     so (writing back a truncated PATH would break the machine).
; test/integration/packaging-nsis.test.ts compiles this with Debian's makensis; it is not run here.

!include LogicLib.nsh
!include FileFunc.nsh
!include nsDialogs.nsh
!include WinMessages.nsh

!define OSLC_CLI_DIR "$INSTDIR\cli"
!define OSLC_CLI_EXE "oslc-admin.exe"
!define OSLC_USER_ENV_KEY "Environment"
!define OSLC_SYSTEM_ENV_KEY "SYSTEM\CurrentControlSet\Control\Session Manager\Environment"

; 1: the system PATH (a per-machine install), else the user's. Set from $installMode in the sections.
Var OslcPathAllUsers

; $R0 = a PATH, $R1 = an entry. Out: $R2 = the PATH without that entry (compared without case, as
; Windows does; every other entry, empty ones too, kept in order), $R3 = 1 if the entry was in it.
!macro OSLC_PATH_WITHOUT UN
Function ${UN}OslcPathWithout
  Push $R4
  Push $R5
  Push $R6
  Push $R7
  StrCpy $R2 ""
  StrCpy $R3 0
  StrCpy $R4 ""
  StrCpy $R6 0
  StrCpy $R7 1
  loop:
    StrCpy $R5 $R0 1 $R6
    StrCmp $R5 "" entryDone
    StrCmp $R5 ";" entryDone
    StrCpy $R4 "$R4$R5"
    IntOp $R6 $R6 + 1
    Goto loop
  entryDone:
    StrCmp $R4 $R1 drop
    StrCmp $R4 "$R1\" drop
    StrCmp $R7 1 0 +3
      StrCpy $R2 $R4
      Goto kept
    StrCpy $R2 "$R2;$R4"
  kept:
    StrCpy $R7 0
    Goto next
  drop:
    StrCpy $R3 1
  next:
    StrCpy $R4 ""
    StrCmp $R5 "" done
    IntOp $R6 $R6 + 1
    Goto loop
  done:
  Pop $R7
  Pop $R6
  Pop $R5
  Pop $R4
FunctionEnd
!macroend

; $R0 = the PATH of the key $OslcPathAllUsers names; $R9 = 1 if it may be written back (it fit).
!macro OSLC_READ_PATH UN
Function ${UN}OslcReadPath
  ${If} $OslcPathAllUsers == 1
    ReadRegStr $R0 HKLM "${OSLC_SYSTEM_ENV_KEY}" "Path"
  ${Else}
    ReadRegStr $R0 HKCU "${OSLC_USER_ENV_KEY}" "Path"
  ${EndIf}
  StrLen $R9 $R0
  IntOp $R8 ${NSIS_MAX_STRLEN} - 300
  ${If} $R9 >= $R8
    StrCpy $R9 0
  ${Else}
    StrCpy $R9 1
  ${EndIf}
FunctionEnd

; Writes $R2 back as that key's PATH (expandable, as Windows keeps it) and tells running programs.
Function ${UN}OslcWritePath
  ${If} $OslcPathAllUsers == 1
    WriteRegExpandStr HKLM "${OSLC_SYSTEM_ENV_KEY}" "Path" $R2
  ${Else}
    WriteRegExpandStr HKCU "${OSLC_USER_ENV_KEY}" "Path" $R2
  ${EndIf}
  SendMessage ${HWND_BROADCAST} ${WM_SETTINGCHANGE} 0 "STR:Environment" /TIMEOUT=5000
FunctionEnd
!macroend

!ifndef BUILD_UNINSTALLER
  ; 1: put the CLI folder on PATH. Set by .onInit (option, earlier opt-in) and by the page.
  Var OslcCliOnPath
  !insertmacro OSLC_PATH_WITHOUT ""
  !insertmacro OSLC_READ_PATH ""

  ; .onInit: /ADDCLITOPATH, or an earlier opt-in (this install's cli folder on either PATH).
  Function OslcCliPathInit
    StrCpy $OslcCliOnPath 0
    ${GetParameters} $R0
    ClearErrors
    ${GetOptions} $R0 "/ADDCLITOPATH" $R1
    ${IfNot} ${Errors}
      StrCpy $OslcCliOnPath 1
    ${EndIf}
    StrCpy $R1 "${OSLC_CLI_DIR}"
    ReadRegStr $R0 HKCU "${OSLC_USER_ENV_KEY}" "Path"
    Call OslcPathWithout
    ${If} $R3 == 1
      StrCpy $OslcCliOnPath 1
    ${EndIf}
    ReadRegStr $R0 HKLM "${OSLC_SYSTEM_ENV_KEY}" "Path"
    Call OslcPathWithout
    ${If} $R3 == 1
      StrCpy $OslcCliOnPath 1
    ${EndIf}
  FunctionEnd

  Var OslcCliCheckbox
  Function OslcCliPathPage
    nsDialogs::Create 1018
    Pop $0
    ${If} $0 == error
      Abort
    ${EndIf}
    ${NSD_CreateLabel} 0 0 100% 48u "OSLC Cluster Admin comes with oslc-admin, its command-line tool: status --check for Nagios and Icinga, the watch, scripts. It is installed in $INSTDIR\cli either way.$\r$\n$\r$\nOn PATH, a command prompt finds it by name."
    Pop $0
    ${NSD_CreateCheckbox} 0 56u 100% 12u "&Add oslc-admin to the PATH"
    Pop $OslcCliCheckbox
    ${If} $OslcCliOnPath == 1
      ${NSD_Check} $OslcCliCheckbox
    ${EndIf}
    nsDialogs::Show
  FunctionEnd

  Function OslcCliPathPageLeave
    ${NSD_GetState} $OslcCliCheckbox $0
    ${If} $0 == ${BST_CHECKED}
      StrCpy $OslcCliOnPath 1
    ${Else}
      StrCpy $OslcCliOnPath 0
    ${EndIf}
  FunctionEnd

  ; In the install section, after the files: adds the entry once (an update finds it there).
  Function OslcAddCliToPath
    ${IfNot} ${FileExists} "${OSLC_CLI_DIR}\${OSLC_CLI_EXE}"
      DetailPrint "oslc-admin: this build has no ${OSLC_CLI_DIR}\${OSLC_CLI_EXE}; PATH is left as it was"
      Return
    ${EndIf}
    Call OslcReadPath
    ${If} $R9 != 1
      DetailPrint "oslc-admin: PATH is too long to change safely; add ${OSLC_CLI_DIR} to it yourself"
      Return
    ${EndIf}
    StrCpy $R1 "${OSLC_CLI_DIR}"
    Call OslcPathWithout
    ${If} $R3 == 1
      DetailPrint "oslc-admin: ${OSLC_CLI_DIR} is already on PATH"
      Return
    ${EndIf}
    ${If} $R0 == ""
      StrCpy $R2 "${OSLC_CLI_DIR}"
    ${Else}
      StrCpy $R2 "$R0;${OSLC_CLI_DIR}"
    ${EndIf}
    Call OslcWritePath
    DetailPrint "oslc-admin: ${OSLC_CLI_DIR} added to PATH"
  FunctionEnd

  !macro customInit
    Call OslcCliPathInit
  !macroend

  !macro customPageAfterChangeDir
    Page custom OslcCliPathPage OslcCliPathPageLeave
  !macroend

  !macro customInstall
    ${If} $installMode == "all"
      StrCpy $OslcPathAllUsers 1
    ${Else}
      StrCpy $OslcPathAllUsers 0
    ${EndIf}
    ${If} $OslcCliOnPath == 1
      Call OslcAddCliToPath
    ${EndIf}
  !macroend
!else
  !insertmacro OSLC_PATH_WITHOUT "un."
  !insertmacro OSLC_READ_PATH "un."

  ; Takes this install's entry out of the PATH it was added to; nothing else changes.
  Function un.OslcRemoveCliFromPath
    Call un.OslcReadPath
    ${If} $R9 != 1
      DetailPrint "oslc-admin: PATH is too long to change safely; take ${OSLC_CLI_DIR} out of it yourself"
      Return
    ${EndIf}
    StrCpy $R1 "${OSLC_CLI_DIR}"
    Call un.OslcPathWithout
    ${If} $R3 == 1
      Call un.OslcWritePath
    ${EndIf}
  FunctionEnd

  !macro customUnInstall
    ${If} $installMode == "all"
      StrCpy $OslcPathAllUsers 1
    ${Else}
      StrCpy $OslcPathAllUsers 0
    ${EndIf}
    Call un.OslcRemoveCliFromPath
  !macroend
!endif
