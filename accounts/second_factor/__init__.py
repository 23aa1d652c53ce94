"""Two-step sign-in: a TOTP authenticator app (django-otp) with one-time backup codes.

The password sign-in stays as it is; `middleware.SecondFactorMiddleware` then holds a signed-in
person at the second step (or at enrolment, for a role that must use it) until it is done.
The state lives in the session (`state.py`), decided once at sign-in (`signals.py`), so a page
costs no query for it. See docs/security.md, "Two-step sign-in".
"""
