import sys

from mfcourse.cli import main

sys.exit(main())
