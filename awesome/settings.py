"""
Settings for the awesome catalog, configured by environment variables.

Safe by default: DEBUG is off unless asked for, and outside DEBUG the process
refuses to start without a SECRET_KEY. Local convenience comes from the
Makefile, which sets the variables for a development run. The README lists
every variable.
"""

import os
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from dotenv import load_dotenv

BASE_DIR = Path(__file__).resolve().parent.parent

# A local .env file (written by `make run`) supplies what the environment
# lacks; real environment variables always win. ENV_FILE="" reads none.
ENV_FILE = os.environ.get("ENV_FILE", str(BASE_DIR / ".env"))
if ENV_FILE:
    load_dotenv(ENV_FILE, override=False)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    value = value.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}.")


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}.") from None


DEBUG = env_bool("DEBUG", default=False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set the SECRET_KEY environment variable to a long "
            "random string (python -c 'import secrets; print(secrets.token_urlsafe(50))'), "
            "or set DEBUG=1 for a local development run."
        )
    SECRET_KEY = "development-only-key-never-used-in-production"  # noqa: S105 -- DEBUG only

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

SITE_NAME = "Awesome LLM Interpretability"
SOURCE_LIST_URL = "https://github.com/JShollaj/awesome-llm-interpretability"

# Application definition

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.postgres",
    "taggit",
    "django_filters",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "axes",
    "accounts",
    "django_tasks_db",
    "catalog",
    "submissions",
    "library",
]

MIDDLEWARE = [
    # First: every later layer sees forwarded headers only from a trusted proxy.
    "awesome.proxies.TrustedProxyMiddleware",
    # Next, so that a cached page skips every layer below; it replays the
    # headers they add (security headers included) from the stored page.
    "catalog.middleware.PublicPageCacheMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Last, as django-axes requires: it turns a refused login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "awesome.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "catalog.context_processors.site",
                "submissions.context_processors.moderation",
            ],
        },
    },
]

WSGI_APPLICATION = "awesome.wsgi.application"

# Database: DATABASE_URL chooses it (postgres://user:pass@host:5432/name in
# production); unset, the site runs on a SQLite file in the project folder.

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions and WAL let concurrent writers wait for the lock
    # instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA foreign_keys=ON;"
        ),
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: Redis when REDIS_URL is set, this process's memory otherwise. Pages
# are also kept in "local", this process's memory, in front of Redis: each one
# names its catalog version, checked on every hit (catalog.middleware).

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "awesome",
        },
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CACHES["local"] = {
    "BACKEND": "catalog.pagestore.ProcessPageCache",
    "LOCATION": "pages",
    "OPTIONS": {"MAX_BYTES": env_int("PUBLIC_PAGE_MEMORY_MB", 64) * 1024 * 1024},
}
# Pages every process on the machine (or, with Redis, every machine) can take
# instead of rendering its own: after a change, one render of a page serves all
# gunicorn workers. Redis when there is one; otherwise a folder of files that
# gunicorn makes for each start of the server (gunicorn.conf.py), or
# PUBLIC_PAGE_SHARED_DIR; without either (tests, runserver), none.
PUBLIC_PAGE_SHARED_DIR = os.environ.get("PUBLIC_PAGE_SHARED_DIR", "")
if REDIS_URL:
    CACHES["shared_pages"] = CACHES["default"]
elif PUBLIC_PAGE_SHARED_DIR:
    CACHES["shared_pages"] = {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": PUBLIC_PAGE_SHARED_DIR,
        "OPTIONS": {"MAX_ENTRIES": env_int("PUBLIC_PAGE_SHARED_ENTRIES", 2000)},
    }
# List items rendered once per catalog version (catalog.list_items): a few
# kilobytes each, in this process's memory.
CACHES["fragments"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "fragments",
    "OPTIONS": {"MAX_ENTRIES": 5000},
}

# Background tasks (django.tasks): mail, link checks, proposal URL checks. The
# database backend needs nothing more than the database (`make run` starts its
# worker beside gunicorn); "rq" queues them in Redis (REDIS_URL, or
# TASKS_REDIS_URL) for RQ workers on any number of machines; "immediate" runs
# each task at once in the process that queued it (the tests).
TASKS_BACKEND = os.environ.get("TASKS_BACKEND", "database").strip().lower()
if TASKS_BACKEND == "database":
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
elif TASKS_BACKEND == "rq":
    TASKS_REDIS_URL = os.environ.get("TASKS_REDIS_URL", "") or REDIS_URL
    if not TASKS_REDIS_URL:
        raise ImproperlyConfigured("TASKS_BACKEND=rq needs REDIS_URL (or TASKS_REDIS_URL).")
    INSTALLED_APPS.append("django_rq")
    RQ_QUEUES = {"default": {"URL": TASKS_REDIS_URL, "DEFAULT_TIMEOUT": 3600}}
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
elif TASKS_BACKEND == "immediate":
    TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
else:
    raise ImproperlyConfigured(
        f"TASKS_BACKEND must be database, rq or immediate, not {TASKS_BACKEND!r}."
    )

# Anonymous visitors get public pages from the cache, keyed by the catalog's
# version so that any change shows at once (catalog.middleware). 0 turns it off.
PUBLIC_PAGE_CACHE_SECONDS = env_int("PUBLIC_PAGE_CACHE_SECONDS", 600)
# The catalog version lives in the database; each process keeps a copy and
# reads it again at most this often, so a change committed elsewhere (another
# worker, another instance) shows within this time. At most a second.
CATALOG_VERSION_RECHECK_MS = env_int("CATALOG_VERSION_RECHECK_MS", 100)
if not 0 <= CATALOG_VERSION_RECHECK_MS <= 1000:
    raise ImproperlyConfigured("CATALOG_VERSION_RECHECK_MS must be between 0 and 1000.")
# How a CDN or proxy in front may keep anonymous pages: browsers revalidate
# every time (ETag, 304); a shared cache serves a page for PUBLIC_PAGE_CDN_SECONDS,
# then an older one for up to PUBLIC_PAGE_STALE_SECONDS while it asks again.
PUBLIC_PAGE_CDN_SECONDS = env_int("PUBLIC_PAGE_CDN_SECONDS", 1)
PUBLIC_PAGE_STALE_SECONDS = env_int("PUBLIC_PAGE_STALE_SECONDS", 30)
PUBLIC_PAGE_CACHE_CONTROL = (
    f"public, max-age=0, s-maxage={PUBLIC_PAGE_CDN_SECONDS}, "
    f"stale-while-revalidate={PUBLIC_PAGE_STALE_SECONDS}"
)
# A request for a page that another request is rendering, with no older copy
# to show, waits this long for it before rendering it too.
PUBLIC_PAGE_RENDER_WAIT_SECONDS = 5
PUBLIC_PAGE_CACHE_PREFIXES = [
    "/resources/",
    "/authors/",
    "/paths/",
    "/tags/",
    "/categories/",
    "/groups/",
    "/feeds/",
    "/stats/",
    "/api/",
    "/sitemap.xml",
    "/robots.txt",
]

# Password validation

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Accounts: django-allauth signs up, logs in, verifies addresses and resets
# passwords; django-axes locks out password guessing, in the database so that
# every process shares the count (README, "Security").

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "submissions:mine"
LOGOUT_REDIRECT_URL = "catalog:home"

ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_FORMS = {"login": "accounts.forms.LoginForm"}
# Sessions last as Django's do (two weeks), with no "remember me" box to tick.
ACCOUNT_SESSION_REMEMBER = True
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email*", "password1*", "password2*"]
# Mandatory: without it allauth can only refuse a taken address by saying so.
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_PREVENT_ENUMERATION = True
# A reset asked for an unknown address sends nothing: no mail to strangers on request.
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_USERNAME_MIN_LENGTH = 2
ACCOUNT_USERNAME_VALIDATORS = "accounts.names.USERNAME_VALIDATORS"
ACCOUNT_LOGOUT_REDIRECT_URL = LOGOUT_REDIRECT_URL
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_RATE_LIMITS = {
    # Per address, and per address or account where a form names one ("key").
    "signup": "5/h/ip,20/d/ip",
    "login": "30/m/ip",
    # Failures per address over every account; per account and address is axes'.
    "login_failed": "20/15m/ip",
    "reset_password": "5/h/ip,3/h/key",
    "reset_password_from_key": "20/h/ip",
    "confirm_email": "1/3m/key,10/h/ip",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reauthenticate": "10/m/user",
}

# Lockouts count failures per (account, address): a guesser is stopped without
# locking the account's owner out elsewhere, and no successful login (someone
# else's, or the guesser's own) wipes anybody's failures. A password reset does.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = False
AXES_LOCKOUT_TEMPLATE = "account/lockout.html"
AXES_USERNAME_CALLABLE = "accounts.lockout.login_identity"
AXES_CLIENT_IP_CALLABLE = "awesome.proxies.client_ip"
# Failures are what lockouts need; a log of every successful login is not kept.
AXES_DISABLE_ACCESS_LOG = True

# GitHub and ORCID log-in, each offered only when its keys are set.
SOCIALACCOUNT_PROVIDERS = {}
if os.environ.get("GITHUB_CLIENT_ID") and os.environ.get("GITHUB_CLIENT_SECRET"):
    INSTALLED_APPS.append("allauth.socialaccount.providers.github")
    SOCIALACCOUNT_PROVIDERS["github"] = {
        "APPS": [
            {
                "client_id": os.environ["GITHUB_CLIENT_ID"],
                "secret": os.environ["GITHUB_CLIENT_SECRET"],
            }
        ],
        "SCOPE": ["read:user", "user:email"],
    }
if os.environ.get("ORCID_CLIENT_ID") and os.environ.get("ORCID_CLIENT_SECRET"):
    INSTALLED_APPS.append("allauth.socialaccount.providers.orcid")
    SOCIALACCOUNT_PROVIDERS["orcid"] = {
        "APPS": [
            {
                "client_id": os.environ["ORCID_CLIENT_ID"],
                "secret": os.environ["ORCID_CLIENT_SECRET"],
            }
        ],
        "BASE_DOMAIN": os.environ.get("ORCID_BASE_DOMAIN", "orcid.org"),
        "MEMBER_API": False,
    }
# A new account from GitHub or ORCID still picks its username on the sign-up form,
# where the look-alike check runs; addresses the provider vouches for count as verified.
SOCIALACCOUNT_AUTO_SIGNUP = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_STORE_TOKENS = False

# Proxies whose X-Forwarded-For and X-Forwarded-Proto are believed: none unless
# named (comma-separated addresses). gunicorn reads the same variable.
FORWARDED_ALLOW_IPS = env_list("FORWARDED_ALLOW_IPS")

# Proposals: how many one account may send in a day and have waiting at once.
SUBMISSIONS_DAILY_LIMIT = env_int("SUBMISSIONS_DAILY_LIMIT", 10)
SUBMISSIONS_PENDING_LIMIT = env_int("SUBMISSIONS_PENDING_LIMIT", 20)

# Metadata sources (catalog.sources): each provider's base URL, so that tests
# and mirrors can stand in for the real services.
ARXIV_API_URL = os.environ.get("ARXIV_API_URL", "https://export.arxiv.org/api/query")
CROSSREF_API_URL = os.environ.get("CROSSREF_API_URL", "https://api.crossref.org").rstrip("/")
OPENREVIEW_API_URL = os.environ.get("OPENREVIEW_API_URL", "https://api2.openreview.net").rstrip("/")
GITHUB_API_URL = os.environ.get("GITHUB_API_URL", "https://api.github.com").rstrip("/")
# Optional: a token raises GitHub's limit from 60 to 5,000 requests an hour.
GITHUB_TOKEN = os.environ.get("GITHUB_TOKEN", "")
# The proposal form's look-up and /api/lookup/ are the only requests a visitor
# makes wait on another server: this many seconds in all, and so many a minute
# for each account.
LOOKUP_DEADLINE_SECONDS = float(os.environ.get("LOOKUP_DEADLINE_SECONDS", "5"))
LOOKUP_RATE_PER_MINUTE = env_int("LOOKUP_RATE_PER_MINUTE", 20)
# A tool whose repository saw no push for this many months counts as unmaintained.
MAINTENANCE_IDLE_MONTHS = env_int("MAINTENANCE_IDLE_MONTHS", 12)

# Every absolute link in mail (the review queue, a proposal, a password reset,
# an address to verify) starts with this, never with the Host a request named.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# Outbound requests (catalog.sources.http): every request the server makes
# names itself with this User-Agent, and never goes to a loopback, private or
# otherwise non-public address unless FETCH_ALLOW_PRIVATE_NETWORKS is set (tests,
# and intranet deployments whose catalog links point inside).
FETCH_USER_AGENT = os.environ.get(
    "FETCH_USER_AGENT", f"awesome-llm-interpretability/1.0 (+{SITE_URL}/)"
)
FETCH_ALLOW_PRIVATE_NETWORKS = env_bool("FETCH_ALLOW_PRIVATE_NETWORKS", default=False)

# Link health (catalog.sources.link_check). A run is inconclusive, and changes
# nothing, when the canary (a URL that always answers, if set) does not; a link
# is broken after failures on 3 checks at least LINK_BROKEN_MIN_HOURS apart.
LINK_CHECK_CANARY_URL = os.environ.get("LINK_CHECK_CANARY_URL", "")
LINK_BROKEN_MIN_HOURS = env_int("LINK_BROKEN_MIN_HOURS", 24)

# Internationalization

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# Static files, served by WhiteNoise: compressed, with hashed names that can
# be cached for ever.

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Email: SMTP when EMAIL_HOST is set, the console (the process log) otherwise.

DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "awesome <noreply@localhost>")
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
EMAIL_SUBJECT_PREFIX = "[awesome] "
if os.environ.get("EMAIL_HOST"):
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": os.environ["EMAIL_HOST"],
                "port": env_int("EMAIL_PORT", 587),
                "username": os.environ.get("EMAIL_HOST_USER", ""),
                "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
                "use_tls": env_bool("EMAIL_USE_TLS", default=True),
                "timeout": 10,
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}

# Security. HTTPS (default: on outside DEBUG) turns on the redirect to HTTPS,
# HSTS and secure cookies; set HTTPS=0 only to serve plain HTTP on loopback.

HTTPS = env_bool("HTTPS", default=not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]
SECURE_HSTS_SECONDS = 31_536_000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Scripts and styles live in static files only, so the policy needs neither
# 'unsafe-inline' nor nonces (nonces would break cached pages).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:", "https:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

# django-taggit: "Circuits" and "circuits" are one tag.
TAGGIT_CASE_INSENSITIVE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler", "stream": sys.stderr}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # Lockouts are warnings; every login's bookkeeping at INFO is noise.
        "axes": {"level": "WARNING"},
    },
}
