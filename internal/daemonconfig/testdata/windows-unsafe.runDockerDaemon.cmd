@echo off
rem Written by Terraform (dockertls_daemon_config). Starts the Docker daemon,
rem for a service wrapper or a scheduled task:
rem - with server-cert.pem in place: the rendered daemon.json (mutual TLS);
rem - without it: the local named pipe only, never an open TCP port.
setlocal DisableDelayedExpansion
rem cmd runs a program in the working directory before one on PATH: start from config_file's.
cd /d "C:\ProgramData\docker\config"
if errorlevel 1 exit /b 1
if exist "C:\ProgramData\docker\certs.d\server-cert.pem" goto tls
echo server-cert.pem not found: starting dockerd on the named pipe only 1>&2
rem extra_settings_json holds characters cmd cannot echo safely, so the pipe-only start omits it.
> "C:\ProgramData\docker\config\daemon.pipe-only.json" echo {"hosts":["npipe://"]}
"dockerd" --config-file "C:\ProgramData\docker\config\daemon.pipe-only.json"
exit /b %ERRORLEVEL%
:tls
"dockerd" --config-file "C:\ProgramData\docker\config\daemon.json"
exit /b %ERRORLEVEL%
