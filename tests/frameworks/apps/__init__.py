"""Framework apps that need a module of their own (Django's URLconf and settings)."""
