"""Points Python Swift at the SAIO's swift.conf instead of /etc/swift/swift.conf.

Swift 2.38.3 reads storage policies and constraints from swift.common.utils.SWIFT_CONF_FILE when
those modules are first imported, and `swift_dir` in a server config only moves the hash salt.
scripts/saio puts this directory on PYTHONPATH and sets SAIO_SWIFT_CONF, so every Python process
of the SAIO (servers, tools, the functional tests) sees the SAIO's policies without touching /etc.
"""
import os


def _point_swift_at(conf_path):
    try:
        import swift.common.utils as utils
    except ImportError:  # a Python without Swift: nothing to point
        return
    utils.SWIFT_CONF_FILE = conf_path
    utils.HASH_PATH_PREFIX = b''
    utils.HASH_PATH_SUFFIX = b''
    try:
        utils.validate_hash_conf()
    except Exception:  # the server itself reports a bad swift.conf, with context
        pass


if os.environ.get('SAIO_SWIFT_CONF'):
    _point_swift_at(os.environ['SAIO_SWIFT_CONF'])
