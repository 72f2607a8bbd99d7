/** The tool's version, as `--version`, the man page and `oslc_admin_build_info` say it (package.json's). */
export const APP_VERSION = '0.1.0';
