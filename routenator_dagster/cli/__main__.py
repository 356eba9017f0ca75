import sys

from routenator_dagster.cli import main

sys.exit(main())
