"""The four services and the console as real processes on loopback (ipc:// bus endpoints in a
temporary directory, free HTTP ports), for the console's browser tests. Every process it starts,
it stops."""
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
SERVICES = ['intake', 'dispatch', 'scoring', 'liaison']


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def eventually(what, condition, timeout=30.0, interval=0.05):
    """Waits for `condition()` to return a truthy value, or fails naming `what`."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f'timed out after {timeout} s waiting for {what}')
        time.sleep(interval)


# The bearer token http() sends (docs/security.md): every person's role, set by ConsoleSet.
bearer = None


def http(method, url, body=None, timeout=10, token=None):
    """`token`: the bearer token to send, else the set's (`''` sends none)."""
    data = json.dumps(body).encode() if body is not None else None
    headers = {'Content-Type': 'application/json'}
    token = bearer if token is None else token
    if token:
        headers['Authorization'] = f'Bearer {token}'
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read()
            try:
                return response.status, json.loads(raw or b'null')
            except ValueError:
                return response.status, raw.decode(errors='replace')
    except urllib.error.HTTPError as error:
        raw = error.read()
        try:
            return error.code, json.loads(raw)
        except ValueError:
            return error.code, raw.decode(errors='replace')


class ConsoleSet:
    def __init__(self, bin_dir, signoff_seconds=8, warn_before=4):
        self.bin = os.path.abspath(bin_dir)
        self.root = tempfile.mkdtemp(prefix='precinct-console-')
        self.data = os.path.join(self.root, 'data')
        os.makedirs(self.data)
        self.processes = {}
        # Short sign-off timers so a test sees one warn and breach in seconds.
        with open(os.path.join(ROOT, 'cities/demo/dispatch-rules.json')) as f:
            rules = json.load(f)
        rules['timers']['signOff'] = {'seconds': signoff_seconds, 'warnBefore': warn_before}
        self.rules = os.path.join(self.root, 'dispatch-rules.json')
        with open(self.rules, 'w') as f:
            json.dump(rules, f)
        self.console_port = free_port()
        # The services check tokens with a key made here; the console calls them with a token of
        # the desks it serves, the tests with one of every person's role.
        self.token_key = os.path.join(self.root, 'token-signing.key')
        subprocess.run([os.path.join(self.bin, 'precinct'), 'tokens', 'key', '--out', self.token_key], check=True, capture_output=True)
        self.console_token = self.issue('console', ['dispatcher', 'supervisor', 'analyst', 'call-taker', 'liaison-officer'])
        global bearer
        bearer = self.issue('console-test', ['call-taker', 'dispatcher', 'supervisor', 'liaison-officer', 'analyst', 'operator'])

    def issue(self, subject, roles):
        """A token signed with the set's key."""
        argv = [os.path.join(self.bin, 'precinct'), 'tokens', 'issue', '--key', self.token_key, '--subject', subject, '--ttl', '2h']
        for role in roles:
            argv += ['--role', role]
        return subprocess.run(argv, check=True, capture_output=True, text=True).stdout.strip()

    def endpoint(self, service, kind):
        return f'ipc://{self.root}/{service}.{kind}'

    def _start(self, name, argv):
        env = dict(os.environ, PRECINCT_DISPATCH_RULES=self.rules, PRECINCT_TOKEN_KEY=self.token_key, PRECINCT_CONSOLE_TOKEN=self.console_token)
        with open(os.path.join(self.root, f'{name}.log'), 'ab') as log:
            self.processes[name] = subprocess.Popen(argv, cwd=ROOT, stdout=log, stderr=log, env=env)

    def start_service(self, service):
        try:
            os.remove(os.path.join(self.data, f'{service}.endpoints.json'))
        except FileNotFoundError:
            pass
        args = [os.path.join(self.bin, f'precinct-{service}'), '--data-dir', self.data, '--http-port', '0',
                '--city', os.path.join(ROOT, 'cities/demo'), '--bind-pub', self.endpoint(service, 'pub'),
                '--bind-router', self.endpoint(service, 'router'), '--heartbeat-ms', '100',
                '--bind-integrators', self.endpoint(service, 'integrators')]
        for peer in SERVICES:
            if peer != service:
                args += [f'--{peer}-pub', self.endpoint(peer, 'pub'), f'--{peer}-router', self.endpoint(peer, 'router')]
        self._start(service, args)

    def start_console(self):
        try:
            os.remove(os.path.join(self.data, 'console.endpoints.json'))
        except FileNotFoundError:
            pass
        self._start('console', [os.path.join(self.bin, 'precinct-console'), '--http-port', str(self.console_port),
                                '--data-dir', self.data, '--endpoints-dir', self.data, '--city', os.path.join(ROOT, 'cities/demo'),
                                '--web-dir', os.path.join(ROOT, 'Services/Console/Web'), '--dispatch-rules', self.rules,
                                '--log-level', 'warning'])

    def url(self, service):
        path = os.path.join(self.data, f'{service}.endpoints.json')

        def read():
            try:
                with open(path) as f:
                    return json.load(f).get('http')
            except (OSError, ValueError):
                return None
        return eventually(f'{service} to write its endpoints', read)

    @property
    def console(self):
        return f'http://127.0.0.1:{self.console_port}'

    def wait_ready(self, name, timeout=60):
        base = self.console if name == 'console' else self.url(name)

        def ready():
            try:
                return http('GET', f'{base}/readyz', timeout=2)[0] == 200
            except OSError:
                return False
        eventually(f'{name} to be ready', ready, timeout=timeout)

    def start_all(self):
        for s in SERVICES:
            self.start_service(s)
        for s in SERVICES:
            self.wait_ready(s)
        self.start_console()
        self.wait_ready('console')

    def stop(self, name, timeout=15):
        process = self.processes.pop(name, None)
        if process is None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def stop_all(self):
        for name in list(self.processes):
            self.stop(name)

    def cleanup(self):
        self.stop_all()
        if os.environ.get('PRECINCT_KEEP_TEST_DIR'):
            print(f'kept {self.root}')
        else:
            shutil.rmtree(self.root, ignore_errors=True)

    def send_call(self, index):
        """Sends demo call `index` (cities/demo/demo-calls.json) with a phone of its own; returns intake's answer."""
        with open(os.path.join(ROOT, 'cities/demo/demo-calls.json')) as f:
            call = json.load(f)['calls'][index]
        call['caller'] = {'name': call.get('caller', {}).get('name', '张三'), 'phone': f'139{index:08d}'}
        status, answer = http('POST', f"{self.url('intake')}/v1/calls", call)
        assert status == 201, f'intake answered {status}: {answer}'
        return answer
