from trdcare.cli import main

main()
