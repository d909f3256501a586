"""Sign-in throttling (django-axes), API authentication and tokens (knox): issue 20 §2-§4."""
