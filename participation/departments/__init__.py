"""Departments (Fachämter): forwarding contributions to them, their inbox and statements."""
