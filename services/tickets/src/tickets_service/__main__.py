from tickets_service.main import main

main()
