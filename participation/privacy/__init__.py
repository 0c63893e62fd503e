"""Data protection: a citizen's data export, account deletion and the erasure of guests'
e-mail addresses once they are no longer needed."""
