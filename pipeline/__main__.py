import sys

from pipeline.cli.commands import main

sys.exit(main())
