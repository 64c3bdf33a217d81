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
    """`dispatch_instances`: {instance: regions} to run dispatch as several instances (docs/dispatch.md,
    "Several instances"); `curve`: CURVE on every socket, the console's own key included;
    `time_factor`/`time_origin`: the set's accelerated event clock, the console on the same."""

    def __init__(self, bin_dir, signoff_seconds=8, warn_before=4, dispatch_instances=None, curve=False, time_factor=None, time_origin=None):
        self.bin = os.path.abspath(bin_dir)
        self.root = tempfile.mkdtemp(prefix='precinct-console-')
        self.data = os.path.join(self.root, 'data')
        os.makedirs(self.data)
        self.processes = {}
        self.dispatch_instances = dispatch_instances or {'dispatch': None}
        self.time_args = []
        if time_factor:
            self.time_args = ['--time-factor', str(time_factor)] + (['--time-origin', time_origin] if time_origin else [])
        self.curve_dir = None
        if curve:
            self.curve_dir = os.path.join(self.root, 'curve')
            lines = []
            names = [s for s in SERVICES if s != 'dispatch'] + list(self.dispatch_instances)
            for name, role in [(n, 'service') for n in names] + [('console', 'operator')]:
                lines.append(subprocess.run([os.path.join(self.bin, 'precinct'), 'keys', 'generate', name, '--role', role, '--dir', self.curve_dir],
                                            check=True, capture_output=True, text=True).stdout.strip())
            with open(os.path.join(self.curve_dir, 'keyring'), 'w') as f:
                f.write('\n'.join(lines) + '\n')
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

    def _start(self, name, argv, token=None):
        # `token`: None for the console's own, '' for none (people sign in).
        env = dict(os.environ, PRECINCT_DISPATCH_RULES=self.rules, PRECINCT_TOKEN_KEY=self.token_key,
                   PRECINCT_CONSOLE_TOKEN=self.console_token if token is None else token)
        with open(os.path.join(self.root, f'{name}.log'), 'ab') as log:
            self.processes[name] = subprocess.Popen(argv, cwd=ROOT, stdout=log, stderr=log, env=env)

    def peer_endpoints(self, peer, kind):
        """A peer's endpoint, or dispatch's as one per instance (`name=endpoint,…`)."""
        if peer == 'dispatch' and list(self.dispatch_instances) != ['dispatch']:
            return ','.join(f'{name}={self.endpoint(name, kind)}' for name in self.dispatch_instances)
        return self.endpoint(peer, kind)

    def curve_args(self, name):
        if not self.curve_dir:
            return []
        return ['--curve-key', os.path.join(self.curve_dir, f'{name}.key'), '--curve-keyring', os.path.join(self.curve_dir, 'keyring')]

    @property
    def instances(self):
        """Every process name of the set but the console: the services, dispatch by its instances."""
        return [s for s in SERVICES if s != 'dispatch'] + list(self.dispatch_instances)

    def start_service(self, name):
        """Starts a service, or one dispatch instance by its name."""
        service = 'dispatch' if name in self.dispatch_instances else name
        try:
            os.remove(os.path.join(self.data, f'{name}.endpoints.json'))
        except FileNotFoundError:
            pass
        args = [os.path.join(self.bin, f'precinct-{service}'), '--data-dir', self.data, '--http-port', '0',
                '--city', os.path.join(ROOT, 'cities/demo'), '--bind-pub', self.endpoint(name, 'pub'),
                '--bind-router', self.endpoint(name, 'router'), '--heartbeat-ms', '100',
                '--bind-integrators', self.endpoint(name, 'integrators')] + self.time_args + self.curve_args(name)
        if service == 'dispatch' and name != 'dispatch':
            args += ['--instance', name, '--regions', self.dispatch_instances[name]]
        for peer in SERVICES:
            if peer != service:
                args += [f'--{peer}-pub', self.peer_endpoints(peer, 'pub'), f'--{peer}-router', self.peer_endpoints(peer, 'router')]
        self._start(name, args)

    def start_console(self, name='console', port=None, token=None):
        """The console (or a second one, `name`, on `port`, calling the services with `token`; '' for none)."""
        try:
            os.remove(os.path.join(self.data, f'{name}.endpoints.json'))
        except FileNotFoundError:
            pass
        args = [os.path.join(self.bin, 'precinct-console'), '--http-port', str(port or self.console_port),
                '--endpoints-dir', self.data, '--city', os.path.join(ROOT, 'cities/demo'),
                '--web-dir', os.path.join(ROOT, 'Services/Console/Web'), '--dispatch-rules', self.rules,
                '--log-level', 'warning'] + self.time_args + self.curve_args('console')
        # The clock-anchor the services share is in their data directory; a second console writes its endpoints elsewhere.
        args += ['--data-dir', self.data] if name == 'console' else ['--time-anchor', self.clock_anchor()] if self.time_args else []
        if list(self.dispatch_instances) != ['dispatch']:
            args += ['--dispatch-pub', self.peer_endpoints('dispatch', 'pub'), '--dispatch-router', self.peer_endpoints('dispatch', 'router')]
            for instance, regions in self.dispatch_instances.items():
                args += ['--dispatch-regions', f'{instance}={regions}']
        self._start(name, args, token=token)

    def clock_anchor(self):
        """The wall-clock anchor of the set's event clock (the first service to start wrote it)."""
        with open(os.path.join(self.data, 'clock-anchor')) as f:
            return f.read().strip()

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

    def wait_ready(self, name, timeout=60, base=None):
        base = base or (self.console if name == 'console' else self.url(name))

        def ready():
            try:
                return http('GET', f'{base}/readyz', timeout=2)[0] == 200
            except OSError:
                return False
        eventually(f'{name} to be ready', ready, timeout=timeout)

    def start_all(self):
        for s in self.instances:
            self.start_service(s)
        for s in self.instances:
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

    def send_call(self, index, **changes):
        """Sends demo call `index` (cities/demo/demo-calls.json) with a phone of its own, and `changes`; returns intake's answer."""
        with open(os.path.join(ROOT, 'cities/demo/demo-calls.json')) as f:
            call = json.load(f)['calls'][index]
        call['caller'] = {'name': call.get('caller', {}).get('name', '张三'), 'phone': f'139{index:08d}'}
        call.update(changes)
        status, answer = http('POST', f"{self.url('intake')}/v1/calls", call)
        assert status == 201, f'intake answered {status}: {answer}'
        return answer
