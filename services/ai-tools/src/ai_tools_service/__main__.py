from ai_tools_service.main import main

main()
