from escalade.cli import main

main()
