from astreinte.cli import main

main()
