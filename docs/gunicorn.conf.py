# gunicorn settings for participation without client IP addresses in the access log.
#   gunicorn --config docs/gunicorn.conf.py wsgi:app
#
# The application stores no IP addresses (README, "Privacy"). gunicorn's default access log
# format starts with the client address (%(h)s); this one leaves it out. A reverse proxy in
# front (nginx, Apache) needs the same: e.g. nginx `log_format noip '$time_local "$request"
# $status $body_bytes_sent';` and `access_log ... noip;`, or no access log at all.

bind = "127.0.0.1:8000"
workers = 4
accesslog = "-"
access_log_format = '%(t)s "%(r)s" %(s)s %(b)s %(L)ss'
errorlog = "-"
