"""Small helpers shared by test modules."""


def signed_in_client(app, user):
    """A test client whose session belongs to `user`, without going through the login form."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    return client
