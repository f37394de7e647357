"""The pages composing several apps: `browse` (home, title, search, player) and `library` (the
viewer's onboarding, history and ratings)."""
