; Inno Setup 6 script of the Field App installer for Windows (x64).
; Built by packaging/build.py on Windows when ISCC.exe is found:
;   ISCC /DAppVersion=0.1.0 /DSourceDir=dist\fieldapp /DOutputDir=dist [/DSetupIcon=build\icons\fieldapp.ico] packaging\windows\fieldapp.iss
; Installs per user by default (no administrator needed), or for all users when asked.
; The user's data lives in %LOCALAPPDATA%\4p1000\FieldApp, never in {app}: installing a
; newer version replaces the program folder and keeps the data, which the app upgrades on
; its next start after taking a backup; uninstalling leaves the data in place.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#ifndef SourceDir
  #define SourceDir "..\..\dist\fieldapp"
#endif
#ifndef OutputDir
  #define OutputDir "..\..\dist"
#endif
#define AppName "Field App"
#define AppExe "FieldApp.exe"

[Setup]
; The AppId ties every version together, so a newer installer upgrades the older one.
AppId={{306733A5-B1FB-58DE-B094-2A01024ECA25}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=4 per 1000 Initiative
AppPublisherURL=https://4p1000.org
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir={#OutputDir}
OutputBaseFilename=FieldApp-{#AppVersion}-windows-x64-setup
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
Uninstallable=yes
UninstallDisplayName={#AppName}
UninstallDisplayIcon={app}\{#AppExe}
CloseApplications=yes
#ifdef SetupIcon
SetupIconFile={#SetupIcon}
#endif

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"
Name: "french"; MessagesFile: "compiler:Languages\French.isl"
Name: "spanish"; MessagesFile: "compiler:Languages\Spanish.isl"
Name: "russian"; MessagesFile: "compiler:Languages\Russian.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[InstallDelete]
; Files of the previous version that this one no longer ships (the program folder only).
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; Only what the program itself may leave in its folder; the data folder is not touched.
Type: filesandordirs; Name: "{app}\_internal"
