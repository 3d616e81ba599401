import sys

from hotline import create_app
from hotline.secret_key import InsecureSecretKey

try:
    app = create_app()
except InsecureSecretKey as exc:
    print(f"hotline refuses to start: {exc}", file=sys.stderr)
    # 4 is gunicorn's "app failed to load": its master stops instead of respawning workers.
    raise SystemExit(4) from None
