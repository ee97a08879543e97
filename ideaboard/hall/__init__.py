"""An ideathon without internet: the hall kit that takes a planned ideathon from the central server to a
laptop in the hall (kit.py, services.py), the setup sheet and the kit's pages (views.py), the `hall`
commands (cli.py), and the results bundle that brings the room back (docs/hall-kit.md)."""
