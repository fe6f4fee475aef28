@echo off
rem Energizer.ML build: build.cmd [restore^|build^|test^|pack^|all]   (default: all)
setlocal
cd /d "%~dp0"
if "%CONFIGURATION%"=="" set CONFIGURATION=Release
set STEP=%1
if "%STEP%"=="" set STEP=all

if /i "%STEP%"=="restore" goto restore
if /i "%STEP%"=="build" goto build
if /i "%STEP%"=="test" goto test
if /i "%STEP%"=="pack" goto pack
if /i "%STEP%"=="all" goto all
echo usage: %0 [restore^|build^|test^|pack^|all]
exit /b 64

:restore
dotnet restore Energizer.ML.sln || exit /b 1
goto :eof

:build
dotnet restore Energizer.ML.sln || exit /b 1
dotnet build Energizer.ML.sln -c %CONFIGURATION% --no-restore || exit /b 1
goto :eof

:test
dotnet test --solution Energizer.ML.sln -c %CONFIGURATION% || exit /b 1
goto :eof

:pack
dotnet pack src\Energizer.ML\Energizer.ML.csproj -c %CONFIGURATION% -o artifacts || exit /b 1
dotnet pack src\Energizer.ML.Labelling\Energizer.ML.Labelling.csproj -c %CONFIGURATION% -o artifacts || exit /b 1
goto :eof

:all
call :build || exit /b 1
call :test || exit /b 1
call :pack || exit /b 1
goto :eof
