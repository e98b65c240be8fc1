from config_service.main import main

main()
