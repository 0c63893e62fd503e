"""The mail outbox: every e-mail is a row written in the transaction of the change that causes
it, and is sent from there with retries (see `services`)."""
