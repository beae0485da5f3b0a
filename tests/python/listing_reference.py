"""Reference answers from Swift 2.38.3's own code for the Rust listing module's tests.

Reads one JSON document on stdin: {"render": [...], "negotiate": [...], "isoformat": [...],
"shards": [...]} and prints the answers Swift's container server code gives for each case as
JSON on stdout. Bodies are returned as latin-1 strings (one char per byte).
"""
import json
import sys

from swift.common import swob
from swift.common.middleware import listing_formats
from swift.common.request_helpers import validate_container_params
from swift.common.utils import Namespace, ShardRange, Timestamp
from swift.container.server import ContainerController


class _Logger(object):
    def exception(self, *args, **kwargs):
        pass

    def warning(self, *args, **kwargs):
        pass


class _Controller(object):
    """Just what update_*_record and _create_GET_response touch."""
    logger = _Logger()
    save_headers = ContainerController.save_headers


def _response(resp):
    return {'status': resp.status, 'content_type': resp.headers.get('Content-Type'),
            'body': resp.body.decode('latin-1')}


def _error(err):
    if isinstance(err, swob.HTTPException):
        return {'error': _response(err)}
    return {'error': {'status': '500 exception', 'content_type': None,
                      'body': type(err).__name__}}


def _request(case):
    environ = {'REQUEST_METHOD': 'GET', 'PATH_INFO': '/sda1/p/a/c',
               'QUERY_STRING': case.get('query') or ''}
    if case.get('accept') is not None:
        environ['HTTP_ACCEPT'] = case['accept']
    return swob.Request.blank('/sda1/p/a/c', environ=environ)


def _get_response(listing, content_type, container):
    return ContainerController._create_GET_response(
        _Controller(), _request({}), content_type, {},
        {'X-PUT-Timestamp': '1700000000.00000'}, {}, container, listing)


def render(case):
    out = {}
    for content_type in case['content_types']:
        try:
            listing = []
            for row in case['rows']:
                if isinstance(row, dict):
                    record = [row['subdir'], '0', 0, None, '']
                else:
                    record = row
                listing.append(ContainerController.update_object_record(
                    _Controller(), record))
            out[content_type] = _response(
                _get_response(listing, content_type, case['container']))
        except Exception as err:
            out[content_type] = _error(err)
    return out


def negotiate(case):
    req = _request(case)
    result = {}
    try:
        params = validate_container_params(req)
        result['params'] = params
    except Exception as err:
        result['params'] = _error(err)
    try:
        result['content_type'] = listing_formats.get_listing_content_type(req)
    except Exception as err:
        result['content_type'] = _error(err)
    return result


def isoformat(value):
    try:
        return Timestamp(value).isoformat
    except Exception as err:
        return _error(err)


def shards(case):
    # The broker gives full ShardRanges, or Namespaces for the namespace format.
    if case['full']:
        ranges = [ShardRange(**r) for r in case['ranges']]
    else:
        ranges = [Namespace(r['name'], r['lower'], r['upper'])
                  for r in case['ranges']]
    listing = [ContainerController.update_shard_record(
        _Controller(), sr, case['full']) for sr in ranges]
    try:
        return _response(_get_response(listing, case['content_type'], 'c'))
    except Exception as err:
        return _error(err)


def main():
    doc = json.load(sys.stdin)
    json.dump({
        'render': [render(c) for c in doc.get('render', [])],
        'negotiate': [negotiate(c) for c in doc.get('negotiate', [])],
        'isoformat': [isoformat(v) for v in doc.get('isoformat', [])],
        'shards': [shards(c) for c in doc.get('shards', [])],
    }, sys.stdout)


if __name__ == '__main__':
    main()
