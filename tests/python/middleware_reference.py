"""Reference answers from Swift 2.38.3's healthcheck and recon filters and its access-log
formatter, for the Rust middleware tests.

Reads one JSON document on stdin:
  {"recon": {"conf": {...}, "paths": [...]},
   "healthcheck": {"conf": {...}, "paths": [...]},
   "log_lines": [{"format": ..., "method": ..., "path_info": ..., "headers": {...},
                  "remote_addr": ..., "status": ..., "res_headers": {...}, "trans_time": ...,
                  "time": ..., "pid": ..., "anonymization_method": ..., "salt": ...}]}
and prints {"recon": [...], "healthcheck": [...], "log_lines": [...]} where each response is
{"status", "content_type", "body"} (body as latin-1 text).
"""
import json
import sys
from unittest import mock

from swift.common import swob, utils
from swift.common.middleware import healthcheck, recon
from swift.common.utils import logs


def _app(env, start_response):
    start_response('299 Passed', [('Content-Type', 'text/plain')])
    return [b'app']


def _response(app, path, method='GET'):
    req = swob.Request.blank('/', environ={'REQUEST_METHOD': method,
                                           'PATH_INFO': path})
    resp = req.get_response(app)
    return {'status': resp.status, 'content_type': resp.headers.get('Content-Type'),
            'body': resp.body.decode('latin-1')}


def _log_line(case):
    environ = {'REQUEST_METHOD': case['method'], 'PATH_INFO': case['path_info'],
               'REMOTE_ADDR': case.get('remote_addr')}
    for k, v in case.get('headers', {}).items():
        environ['HTTP_' + k.upper().replace('-', '_')] = v
    req = swob.Request.blank('/', environ=environ)
    res = swob.Response(status=case['status'], headers=case.get('res_headers', {}))
    with mock.patch.object(logs.time, 'time', return_value=case['time']), \
            mock.patch.object(logs.os, 'getpid', return_value=case['pid']):
        return logs.get_log_line(req, res, case['trans_time'], '', case['format'],
                                 case.get('anonymization_method', 'md5'),
                                 case.get('salt', ''))


def main():
    doc = json.load(sys.stdin)
    out = {'recon': [], 'healthcheck': [], 'log_lines': []}
    if 'recon' in doc:
        conf = doc['recon']['conf']
        utils.set_swift_dir(conf['swift_dir'])
        app = recon.filter_factory(conf)(_app)
        out['recon'] = [_response(app, p) for p in doc['recon']['paths']]
    if 'healthcheck' in doc:
        app = healthcheck.filter_factory(doc['healthcheck']['conf'])(_app)
        out['healthcheck'] = [_response(app, p, m)
                              for p, m in doc['healthcheck']['paths']]
    out['log_lines'] = [_log_line(c) for c in doc.get('log_lines', [])]
    json.dump(out, sys.stdout)


if __name__ == '__main__':
    main()
