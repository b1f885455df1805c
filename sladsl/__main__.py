from sladsl.cli import main

main()
