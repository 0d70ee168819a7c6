#!/bin/sh
# Regenerates docs/images/ui-*.png: runs the web UI's Playwright test with COURIER_UI_SCREENSHOTS
# set, which saves a screenshot of each page it visits (Debian's chromium and the browser test's
# npm packages must be installed, as for .ci/run).
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
COURIER_UI_SCREENSHOTS="$root/docs/images" dotnet test "$root/tests/Courier.BrowserTests" -nologo \
  --filter "FullyQualifiedName~ManagementUiTests.Through_the_ui"
ls -l "$root"/docs/images/ui-*.png
