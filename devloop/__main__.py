import sys

from devloop.cli import main

sys.exit(main())
