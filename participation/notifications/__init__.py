"""E-mail notifications: authors, followers of threads and strategies, and the moderators'
daily digest; per-person choices (immediately, daily digest, never) and one-click
unsubscribing."""
