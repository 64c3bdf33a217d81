"""The console in a real browser: Debian's Chromium (headless) driven by Selenium, against the four
services and the console as real processes (console_set.py). Run by `make console-test`."""
import os
import time
import unittest

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

import urllib.request
from datetime import datetime, timedelta, timezone

from console_set import ROOT, ConsoleSet, eventually, free_port, http

BIN = os.environ.get('PRECINCT_BIN_DIR', os.path.join(ROOT, '.build/debug'))
SHOTS = os.path.join(ROOT, '.build/console-screenshots')
# The issue's figure: a call shows on the board within a second of intake's answer.
APPEAR_WITHIN = float(os.environ.get('PRECINCT_CONSOLE_APPEAR_SECONDS', '1.0'))


def browser(width=1920, height=1080):
    options = Options()
    options.binary_location = os.environ.get('CHROMIUM', '/usr/bin/chromium')
    for flag in ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', f'--window-size={width},{height}',
                 '--lang=zh-CN', '--disable-features=BackForwardCache']:
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(os.environ.get('CHROMEDRIVER', '/usr/bin/chromedriver')), options=options)


class ConsoleTestCase(unittest.TestCase):
    """A set of real processes and a browser for the whole class (ConsoleSet's options in
    SET_OPTIONS), and the helpers every console test uses."""

    SET_OPTIONS = {}

    @classmethod
    def setUpClass(cls):
        os.makedirs(SHOTS, exist_ok=True)
        cls.set = ConsoleSet(BIN, **cls.SET_OPTIONS)
        try:
            cls.set.start_all()
            cls.driver = browser()
        except BaseException:
            cls.set.cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            cls.driver.quit()
        finally:
            cls.set.cleanup()

    # Helpers

    def open(self, page):
        # A fresh page: a change of the hash alone would keep the last test's page (and any dialog left open).
        # The old page's live stream is closed first: Chrome holds six connections per host, and pages kept
        # for "back" would hold theirs.
        self.driver.execute_script('window.precinctSource && window.precinctSource.close()')
        self.driver.get('about:blank')
        self.driver.get(f'{self.set.console}/#{page}')
        eventually('the live stream', lambda: self.driver.execute_script('return window.precinctStats && window.precinctStats.messages > 0'))

    def go(self, page):
        self.driver.execute_script(f"location.hash = '{page}'")
        eventually(f'page {page}', lambda: self.driver.execute_script(f"return document.querySelector('main').dataset.page === '{page.split('/')[0]}'"))

    def find(self, css):
        found = self.driver.find_elements(By.CSS_SELECTOR, css)
        return found[0] if found else None

    def exists(self, css, attribute=None):
        """Whether `css` matches now (and its `attribute`), asked in the page: no stale handles while it redraws."""
        script = 'const e = document.querySelector(arguments[0]); return e ? (arguments[1] ? e.getAttribute(arguments[1]) : true) : null'
        return self.driver.execute_script(script, css, attribute)

    def text(self, css):
        return self.driver.execute_script('const e = document.querySelector(arguments[0]); return e ? e.textContent : ""', css)

    def shot(self, name):
        self.driver.save_screenshot(os.path.join(SHOTS, f'{name}.png'))

    def assigned_unit(self, incident_id):
        """The first unit dispatch sent (from the console's own read model)."""
        def unit():
            status, body = http('GET', f'{self.set.console}/api/incidents/{incident_id}')
            return status == 200 and body['units'] and body['units'][0]['unitId']
        return eventually(f'a unit assigned to {incident_id}', unit)

    def signed_off(self, incident_id, dispatch=None):
        """Every unit on the incident reports signed off (no sign-off breach re-dispatches it meanwhile); returns them."""
        status, model = http('GET', f'{self.set.console}/api/incidents/{incident_id}')
        units = [u['unitId'] for u in model['units'] if u['stage'] not in ('released', 'closed')]
        commands = [{'incidentId': incident_id, 'unitId': u, 'stage': 'signedOff'} for u in units]
        status, answer = http('POST', f"{dispatch or self.set.url('dispatch')}/v1/field", {'commands': commands})
        self.assertIn(status, (200, 207), answer)
        return units

    def act(self, key, fill=None, reason='test'):
        """Presses `key` (a dispatcher's shortcut), fills the dialog (`fill(dialog)`), gives the reason and
        sends it with Enter; returns the monotonic time it was sent. Fails with the dialog's error."""
        self.driver.find_element(By.TAG_NAME, 'body').send_keys(key)
        eventually(f'the dialog of {key!r}', lambda: self.find('dialog[open] input[name=reason]'), timeout=10)
        if fill:
            fill(self.find('dialog[open]'))
        self.find('dialog[open] input[name=reason]').send_keys(reason)
        self.find('dialog[open] input[name=reason]').send_keys(Keys.ENTER)
        sent = time.monotonic()

        def closed():
            error = self.text('dialog[open] .error')
            if error:
                raise AssertionError(f'the action was refused: {error}')
            return not self.exists('dialog[open]')
        eventually('the dialog to close', closed, timeout=10)
        return sent

    def sign_in(self, token, subject):
        """Signs in with a person's own token (the header's sign-in dialog)."""
        self.driver.find_element(By.ID, 'who').click()
        area = eventually('the sign-in dialog', lambda: self.find('dialog[open] textarea[name=token]'), timeout=5)
        area.send_keys(token)
        area.send_keys(Keys.ENTER)
        eventually(f'signed in as {subject}', lambda: subject in self.text('#who'), timeout=10)

    def sign_out(self, subject):
        self.driver.find_element(By.ID, 'who').click()
        eventually('signed out', lambda: subject not in self.text('#who'), timeout=10)

    def within_a_second(self, what, condition, since):
        """`condition` holds within the issue's second of `since` (the action sent); prints the figure."""
        eventually(what, condition, timeout=APPEAR_WITHIN + 10, interval=0.02)
        took = time.monotonic() - since
        print(f'\n  {what}: {took * 1000:.0f} ms after the action was sent')
        self.assertLessEqual(took, APPEAR_WITHIN, f'{what} took {took:.2f} s')

    def on_board(self, incident_id, css=''):
        return self.exists(f'main[data-page=board] tr[data-incident="{incident_id}"]{css}')


class ConsoleBrowserTests(ConsoleTestCase):
    # Tests (named so unittest runs them in this order; each stands on its own)

    def test_0_pure_functions_pass_in_the_browser(self):
        self.driver.get(f'{self.set.console}/web/tests.html')
        text = eventually('the JavaScript tests', lambda: (t := self.driver.find_element(By.ID, 'results').text) != 'running' and t)
        self.assertTrue(text.endswith('PASS'), text)

    def test_1_a_call_appears_on_the_board_and_the_map_within_a_second(self):
        self.open('board')
        sent = time.monotonic()
        incident = self.set.send_call(0)['incidentId']
        eventually(f'{incident} on the board', lambda: self.find(f'tr[data-incident="{incident}"]'), timeout=APPEAR_WITHIN, interval=0.02)
        on_board = time.monotonic() - sent
        self.go('map')
        eventually(f'{incident} on the map', lambda: self.find(f'circle[data-incident="{incident}"]'), timeout=APPEAR_WITHIN, interval=0.02)
        print(f'\n  board: {incident} shown {on_board * 1000:.0f} ms after intake answered')
        self.shot('map')
        self.go('board')
        self.shot('board')

    def test_2_a_sign_off_timer_counts_down_and_turns_red_at_the_breach(self):
        self.open('board')
        incident = self.set.send_call(1)['incidentId']
        unit = self.assigned_unit(incident)
        css = f'tr[data-incident="{incident}"] .timer[data-timer="signOff"][data-unit="{unit}"]'
        text = lambda: self.driver.execute_script('const e = document.querySelector(arguments[0]); return e && e.textContent', css)
        first = eventually('the sign-off timer', text)
        eventually('the timer to count down', lambda: (now := text()) and now != first, timeout=5)
        eventually('the timer to turn amber', lambda: self.exists(css, 'data-state') in ('warn', 'breach'), timeout=15)
        eventually('the timer to turn red at the breach', lambda: self.exists(css, 'data-state') == 'breach', timeout=15)
        color = self.driver.execute_script('return getComputedStyle(document.querySelector(arguments[0])).backgroundColor', css)
        self.assertIn('229, 72, 77', color)  # --red

    def test_3_assigning_a_unit_through_the_page_dispatches_it(self):
        self.open('board')
        incident = self.set.send_call(2)['incidentId']
        self.assigned_unit(incident)
        status, answer = http('GET', f'{self.set.console}/api/incidents/{incident}/recommendations')
        if status == 404 and 'recommendations' not in str(answer):
            self.skipTest("dispatch has no /v1/incidents/{id}/recommendations yet (the overrides branch)")
        self.assertEqual(status, 200, answer)
        self.go(f'incident/{incident}')
        self.driver.find_element(By.TAG_NAME, 'body').send_keys('a')  # the shortcut
        select = eventually('the recommendations', lambda: self.find('dialog[open] select[name=unitId] option'))
        unit = select.get_attribute('value')
        reason = self.find('dialog[open] input[name=reason]')
        reason.send_keys('closest by ETA')
        self.shot('assign-dialog')
        reason.send_keys(Keys.ENTER)
        eventually('the dialog to close', lambda: not self.find('dialog[open]'), timeout=10)
        self.go('units')
        eventually(f'{unit} dispatched on the unit board', lambda: self.exists(f'tr[data-unit="{unit}"] td.state', 'data-state') in ('dispatched', 'enRoute'), timeout=5)
        self.shot('units')
        self.go('map')
        eventually(f'{unit} dispatched on the map', lambda: self.exists(f'circle[data-unit="{unit}"]', 'data-state') in ('dispatched', 'enRoute'), timeout=5)

    def test_4_the_ranking_shows_the_points_of_a_closed_incident(self):
        self.open('scoring')
        incident = self.set.send_call(9)['incidentId']
        self.assigned_unit(incident)
        dispatch = self.set.url('dispatch')
        # Every unit sent reports every stage (an incident closes when its last unit closes).
        status, model = http('GET', f'{self.set.console}/api/incidents/{incident}')
        units = [u['unitId'] for u in model['units'] if u['stage'] != 'released']
        for stage in ['signedOff', 'arrived', 'feedback', 'closed']:
            commands = [{'incidentId': incident, 'unitId': unit, 'stage': stage} for unit in units]
            if stage == 'closed':
                for c in commands:
                    c['outcome'] = 'resolvedOnScene'
            status, answer = http('POST', f'{dispatch}/v1/field', {'commands': commands})
            self.assertEqual(status, 200, f'{stage}: {answer}')
        eventually(f'{incident} closed', lambda: http('GET', f'{self.set.console}/api/incidents/{incident}')[1]['state'] == 'closed', timeout=15)
        points = eventually(f'points for {incident}', lambda: http('GET', f'{self.set.console}/api/incidents/{incident}')[1]['points'], timeout=15)
        self.go('scoring')
        # An officer who earned points on this incident is ranked, with points shown.
        officer = eventually('an officer credited for the incident', lambda: self.driver.execute_script(
            "return [...document.querySelectorAll('table.rankings tr[data-officer]')].map(r => r.dataset.officer)"), timeout=5)
        # scoring's own KPI report, against the originals' figures: the closed incident's sign-off counts.
        eventually('the sign-off KPI from scoring', lambda: '%' in (self.driver.execute_script(
            "const c = document.querySelector('tr[data-kpi=signOffOnTimeRate] td:nth-child(3)'); return c && c.textContent") or ''), timeout=15)
        self.go(f'scoring/{officer[0]}')
        eventually('the officer\'s points line by line', lambda: self.find('section.scoring h3'))
        self.shot('scoring')
        self.go(f'incident/{incident}')
        detail = eventually('the incident detail', lambda: self.text('section.detail'))
        self.assertIn('resolvedOnScene', detail)
        self.assertIn(f'{points:g}'.split('.')[0], detail)
        self.shot('incident')

    def test_5_the_console_survives_its_own_restart(self):
        self.open('board')
        self.set.stop('console')
        incident = self.set.send_call(6)['incidentId']  # while the console is down
        self.set.start_console()
        self.set.wait_ready('console')
        # The page reconnects on its own (same URL) and gets a fresh snapshot.
        eventually(f'{incident} on the board after the restart', lambda: self.find(f'tr[data-incident="{incident}"]'), timeout=15)

    def test_6_the_console_survives_a_service_restart(self):
        self.open('board')
        self.set.stop('dispatch')
        incident = self.set.send_call(8)['incidentId']  # dispatch is down: it assigns on its return
        self.set.start_service('dispatch')
        self.set.wait_ready('dispatch')
        eventually(f'{incident} assigned after dispatch restarted', lambda: self.exists(f'tr[data-incident="{incident}"] .unit-chip'), timeout=20)
        status, body = http('GET', f'{self.set.console}/api/status')
        self.assertEqual(body['sources'].get('dispatch'), 'live', body)

    def test_7_every_page_renders_at_both_sizes(self):
        self.open('board')
        for page in ['hotspots', 'liaison', 'ops']:
            self.go(page)
            eventually(f'{page} content', lambda: self.find('main table'))
            self.shot(page)
        self.driver.set_window_size(1366, 768)
        self.go('board')
        self.shot('board-1366x768')
        overflow = self.driver.execute_script("const m = document.querySelector('main section.board'); return m.scrollWidth - m.clientWidth")
        self.assertLessEqual(overflow, 1, 'the board scrolls sideways at 1366×768')
        self.driver.find_element(By.TAG_NAME, 'body').send_keys('L')  # English
        eventually('English', lambda: 'Live board' in self.find('nav').text)
        self.shot('board-en')
        self.driver.find_element(By.TAG_NAME, 'body').send_keys('L')
        self.driver.set_window_size(1920, 1080)

    def test_8_load_figure(self):
        """Measured, not asserted (speed goals live in `make bench`): 2,000 incidents and 1,000 units in the page."""
        self.driver.get(f'{self.set.console}/web/bench.html')
        text = eventually('the load figure', lambda: (t := self.driver.find_element(By.ID, 'results').text) != 'running' and t, timeout=120)
        with open(os.path.join(SHOTS, 'load-figure.json'), 'w') as f:
            f.write(text)
        print(f'\n  load figure: {text}')
        self.assertIn('updateAppliedAndDrawnMs', text)

    # The dispatcher's actions through the page, each by its shortcut, each with a reason; the board and
    # the unit board show the result within a second of the action being sent.

    def test_9_1_reassign(self):
        self.open('board')
        incident = self.set.send_call(5, caller={'name': '王五', 'phone': '13900000501'})['incidentId']
        self.assigned_unit(incident)
        old = self.signed_off(incident)[0]
        self.go(f'incident/{incident}')
        choice = {}

        def fill(dialog):
            options = eventually('the recommendations', lambda: dialog.find_elements(By.CSS_SELECTOR, 'select[name=unitId] option'))
            choice['to'] = options[0].get_attribute('value')
            Select(dialog.find_element(By.CSS_SELECTOR, 'select[name=fromUnitId]')).select_by_value(old)
        sent = self.act('r', fill, reason='closer unit free')
        new = choice['to']
        self.go('board')
        self.within_a_second(f'{new} in place of {old} on the board', lambda: self.on_board(incident, f' .unit-chip[data-unit="{new}"]')
                             and not self.on_board(incident, f' .unit-chip[data-unit="{old}"]'), sent)
        self.go('units')
        eventually(f'{new} dispatched and {old} free on the unit board', lambda: self.exists(f'tr[data-unit="{new}"] td.state', 'data-state') in ('dispatched', 'enRoute')
                   and self.exists(f'tr[data-unit="{old}"] td.state', 'data-state') == 'available', timeout=5)
        self.go(f'incident/{incident}')
        eventually('the reassignment and its reason in the timeline', lambda: 'closer unit free' in self.text('ol.timeline'))

    def test_9_2_cancel_an_assignment(self):
        self.open('board')
        incident = self.set.send_call(2, location={'lat': 36.954935, 'lon': 117.764576, 'address': '北区测试点'},
                                      caller={'name': '赵六', 'phone': '13900000502'})['incidentId']
        self.assigned_unit(incident)
        old = self.signed_off(incident)[0]
        self.go(f'incident/{incident}')
        sent = self.act('x', lambda d: Select(d.find_element(By.CSS_SELECTOR, 'select[name=fromUnitId]')).select_by_value(old), reason='wrong unit')
        self.go('board')
        self.within_a_second(f'{old} off the board', lambda: self.on_board(incident) and not self.on_board(incident, f' .unit-chip[data-unit="{old}"]'), sent)
        self.go('units')
        eventually(f'{old} no longer on {incident} on the unit board',
                   lambda: incident not in (self.text(f'tr[data-unit="{old}"]') or incident), timeout=5)

    def test_9_3_reclassify_from_the_board(self):
        self.open('board')
        incident = self.set.send_call(9, location={'lat': 36.8791, 'lon': 117.788218, 'address': '南区测试点'},
                                      caller={'name': '钱七', 'phone': '13900000503'})['incidentId']
        self.assigned_unit(incident)
        self.signed_off(incident)
        # The board's own shortcuts: select the row, then `c`.
        eventually('the row', lambda: self.on_board(incident))
        self.driver.execute_script('document.querySelector(arguments[0]).click()', f'tr[data-incident="{incident}"] td.category')
        eventually('the row selected', lambda: self.on_board(incident, '.selected'))
        # j/k move the selection (to the next row and back).
        body = self.driver.find_element(By.TAG_NAME, 'body')
        rows = self.driver.execute_script("return [...document.querySelectorAll('main tr[data-incident]')].map(r => r.dataset.incident)")
        if len(rows) > 1:
            step, back = ('j', 'k') if rows.index(incident) < len(rows) - 1 else ('k', 'j')
            body.send_keys(step)
            eventually('the selection moved', lambda: not self.on_board(incident, '.selected'), timeout=5)
            body.send_keys(back)
            eventually('the selection back', lambda: self.on_board(incident, '.selected'), timeout=5)
        sent = self.act('c', lambda d: Select(d.find_element(By.CSS_SELECTOR, 'select[name=category]')).select_by_value('dispute'),
                        reason='caller was a neighbour')
        self.within_a_second('the new category on the board', lambda: self.text(f'tr[data-incident="{incident}"] td.category') == 'dispute', sent)
        # Enter opens the selected incident, Escape goes back to the board.
        self.driver.find_element(By.TAG_NAME, 'body').send_keys(Keys.ENTER)
        eventually('the incident page', lambda: self.exists(f'section.detail[data-incident="{incident}"]'), timeout=5)
        self.driver.find_element(By.TAG_NAME, 'body').send_keys(Keys.ESCAPE)
        eventually('back on the board', lambda: self.exists('main[data-page=board]'), timeout=5)

    def test_9_4_mark_major_and_acknowledge_its_escalation(self):
        self.open('board')
        incident = self.set.send_call(0, location={'lat': 36.818865, 'lon': 117.877239, 'address': '长山测试点'},
                                      caller={'name': '孙八', 'phone': '13900000504'})['incidentId']
        self.assigned_unit(incident)
        self.signed_off(incident)
        self.go(f'incident/{incident}')
        sent = self.act('m', lambda d: Select(d.find_element(By.CSS_SELECTOR, 'select[name=major]')).select_by_value('true'), reason='crowd growing')
        self.go('board')
        self.within_a_second('the incident marked major on the board', lambda: self.on_board(incident, '.major'), sent)
        escalation = eventually('the major escalation waiting on the board', lambda: self.driver.execute_script(
            "const a = document.querySelector(`aside li[data-escalation] a[href='#incident/${arguments[0]}']`); return a && a.closest('li').dataset.escalation", incident), timeout=5)
        self.shot('board-major')
        self.go(f'incident/{incident}')
        sent = self.act('e', reason='centre station informed')
        self.go('board')
        self.within_a_second('the escalation acknowledged (gone from the board)', lambda: self.exists('main[data-page=board]')
                             and not self.exists(f'aside li[data-escalation="{escalation}"]'), sent)
        self.go(f'incident/{incident}')
        eventually('the acknowledgement in the detail', lambda: '✓' in self.text(f'li[data-escalation="{escalation}"]'))

    def test_9_5_an_action_dispatch_refuses_shows_its_reason(self):
        self.open('board')
        incident = self.set.send_call(9, location={'lat': 36.8791, 'lon': 117.788218, 'address': '南区测试点二'},
                                      caller={'name': '周九', 'phone': '13900000505'})['incidentId']
        self.assigned_unit(incident)
        self.go(f'incident/{incident}')
        # Reclassifying to the category it has is refused by dispatch (409), and the page says why.
        current = http('GET', f'{self.set.console}/api/incidents/{incident}')[1]['category']
        self.driver.find_element(By.TAG_NAME, 'body').send_keys('c')
        eventually('the dialog', lambda: self.find('dialog[open] select[name=category]'))
        Select(self.find('dialog[open] select[name=category]')).select_by_value(current)
        self.find('dialog[open] input[name=reason]').send_keys('same')
        self.find('dialog[open] input[name=reason]').send_keys(Keys.ENTER)
        error = eventually('the refusal', lambda: self.text('dialog[open] .error'), timeout=10)
        self.assertIn('conflict', error)
        self.driver.find_element(By.CSS_SELECTOR, 'dialog[open] [data-close]').click()

    # The enterprise liaison page, with liaison's real data.

    def test_9_6_the_liaison_page_and_the_coordination_queue(self):
        self.open('board')
        # A dispute at a zero-disturbance site (E0004): dispatch holds it for the liaison officer.
        incident = self.set.send_call(0, location={'lat': 36.853627, 'lon': 117.773381, 'address': '邹平市高新街道会仙二路133号'},
                                      caller={'name': '吴十', 'phone': '13900000506'}, description='门口两人争吵')['incidentId']
        status, answer = http('PUT', f"{self.set.url('liaison')}/v1/cases/CASE-CONSOLE-1",
                              {'enterpriseId': 'E0004', 'incidentId': incident, 'title': '门口纠纷', 'status': 'open'})
        self.assertIn(status, (200, 201), answer)
        self.go('liaison')
        self.driver.execute_script('window.precinctRefreshLiaison()')
        eventually(f'the hold on {incident} waiting', lambda: (self.driver.execute_script('window.precinctRefreshLiaison()') or True)
                   and self.exists(f'tr[data-hold="{incident}"]', 'data-status') == 'held', timeout=15, interval=0.5)
        eventually('the alert for E0004', lambda: self.exists(f'table.alerts a[href="#incident/{incident}"]'), timeout=10, interval=0.5)
        self.assertTrue(self.exists('tr[data-case="CASE-CONSOLE-1"]'), 'the case is listed')
        self.assertIn('E0004', self.text('tr[data-case="CASE-CONSOLE-1"]'))
        self.assertTrue(self.exists(f'tr[data-enterprise-incident="{incident}"]'), 'the enterprise incident is listed')
        overdue = http('GET', f"{self.set.url('liaison')}/v1/worklog/overdue")[1]['overdue']
        if overdue:
            self.assertTrue(self.exists(f'tr[data-overdue="{overdue[0]["enterpriseId"]}"]'), 'overdue work is listed')
        self.assertTrue(self.exists(f'tr[data-hold="{incident}"] .timer[data-due]'), "the hold's deadline counts down")
        self.shot('liaison')
        # The liaison officer signs in with their own token (liaison takes the acknowledging officer
        # from the token, never from the page), acknowledges (key o) with a reason; dispatch then
        # releases the hold and sends a unit.
        self.sign_in(self.set.issue('O0161', ['liaison-officer']), 'O0161')
        try:
            self.driver.find_element(By.TAG_NAME, 'body').send_keys('o')
            eventually('the acknowledgement dialog', lambda: self.find('dialog[open] input[name=reason]'), timeout=5)
            self.assertIn('O0161', self.text('dialog[open] p.acting'))
            self.find('dialog[open] input[name=reason]').send_keys('security chief informed')
            self.find('dialog[open] input[name=reason]').send_keys(Keys.ENTER)
            eventually('the dialog to close', lambda: not self.exists('dialog[open]') or (self.text('dialog[open] .error') and self.fail(self.text('dialog[open] .error'))), timeout=10)
            eventually('the hold acknowledged', lambda: (self.driver.execute_script('window.precinctRefreshLiaison()') or True)
                       and 'O0161' in self.text(f'tr[data-hold="{incident}"]'), timeout=10, interval=0.5)
        finally:
            self.sign_out('O0161')
        self.assigned_unit(incident)

    # The caller: shown as intake gives it to the console's token, never carried on the stream.

    def test_9_7_the_caller_is_what_intake_gives_the_consoles_token(self):
        self.open('board')
        phone = '13900000507'
        incident = self.set.send_call(9, location={'lat': 36.90354, 'lon': 117.73929, 'address': '韩店测试点'},
                                      caller={'name': '郑十一', 'phone': phone})['incidentId']
        eventually('the incident in the console', lambda: http('GET', f'{self.set.console}/api/incidents/{incident}')[0] == 200)
        with urllib.request.urlopen(f'{self.set.console}/api/stream', timeout=10) as stream:
            first = stream.readline().decode()
        self.assertIn(incident, first)
        self.assertNotIn(phone, first, 'the live stream carries no caller data')
        self.assertNotIn(phone[-4:] + '"', first)
        # What intake answers the console's own token is what the page shows.
        status, given = http('GET', f"{self.set.url('intake')}/v1/incidents/{incident}", token=self.set.console_token)
        self.assertEqual(status, 200, given)
        shown_phone = given['calls'][0]['caller']['phone']
        self.go(f'incident/{incident}')
        eventually('the caller on the detail', lambda: shown_phone in self.text('section.detail'), timeout=5)
        # A console whose token may not read intake's incidents shows no caller at all.
        port = free_port()
        self.set.start_console(name='console-analyst', port=port, token=self.set.issue('console-analyst', ['analyst']))
        try:
            self.set.wait_ready('console-analyst', base=f'http://127.0.0.1:{port}')
            self.driver.get(f'http://127.0.0.1:{port}/#incident/{incident}')
            eventually('the detail on the second console', lambda: self.exists('section.detail .caller') is None and 'forbidden' in self.text('section.detail'), timeout=10)
            self.assertNotIn(phone[3:], self.text('section.detail'))
        finally:
            self.set.stop('console-analyst')
            self.open('board')

    def test_9_9_a_person_signs_in_and_the_console_acts_with_their_token(self):
        port = free_port()
        self.set.start_console(name='console-people', port=port, token='')  # no token of its own
        try:
            self.set.wait_ready('console-people', base=f'http://127.0.0.1:{port}')
            incident = self.set.send_call(9, location={'lat': 36.876617, 'lon': 117.746454, 'address': '黄山测试点'},
                                          caller={'name': '王十二', 'phone': '13900000509'})['incidentId']
            self.driver.execute_script('window.precinctSource && window.precinctSource.close()')
            self.driver.get('about:blank')
            self.driver.get(f'http://127.0.0.1:{port}/#incident/{incident}')
            eventually('nobody signed in, and the console has no token', lambda: 'alert' in (self.exists('#who', 'class') or ''), timeout=10)
            eventually('no caller for nobody', lambda: 'unauthenticated' in self.text('section.detail'), timeout=10)
            # Sign in as a dispatcher with the person's own token.
            self.driver.find_element(By.ID, 'who').click()
            area = eventually('the sign-in dialog', lambda: self.find('dialog[open] textarea[name=token]'), timeout=5)
            area.send_keys(self.set.issue('D07', ['dispatcher']))
            area.send_keys(Keys.ENTER)
            eventually('signed in as D07', lambda: 'D07' in self.text('#who'), timeout=10)
            eventually('the caller, as intake gives it to D07', lambda: self.exists('section.detail .caller'), timeout=10)
            sent = self.act('c', lambda d: Select(d.find_element(By.CSS_SELECTOR, 'select[name=category]')).select_by_value('dispute'), reason='signed in')
            self.go('board')
            self.within_a_second('the signed-in dispatcher\'s reclassification on the board',
                                 lambda: self.text(f'tr[data-incident="{incident}"] td.category') == 'dispute', sent)
            # Signed out, the console can do nothing again.
            self.driver.find_element(By.ID, 'who').click()
            eventually('signed out', lambda: 'D07' not in self.text('#who'), timeout=10)
            self.assertEqual(http('GET', f'http://127.0.0.1:{port}/api/incidents/{incident}/recommendations', token='')[0], 401)
        finally:
            self.set.stop('console-people')

    def test_9_8_the_kpi_dashboard_reads_scorings_real_fields(self):
        self.open('scoring')
        status, report = http('GET', f"{self.set.url('scoring')}/v1/kpis?level=city&period=all")
        self.assertEqual(status, 200, report)
        fields = set(report['entries'][0]['kpis']) if report['entries'] else set()
        shown = self.driver.execute_script("return [...document.querySelectorAll('tr[data-kpi]')].map(r => r.dataset.kpi)")
        self.assertTrue(shown, 'the dashboard lists KPIs')
        if fields:
            self.assertEqual(set(shown) - fields, set(), 'every KPI on the dashboard is one scoring serves')
        self.assertIn('minorAccidentOnSceneRate', shown)
        self.assertIn('80', self.text('tr[data-kpi=minorAccidentOnSceneRate]'))
        self.assertIn('84', self.text('tr[data-kpi=accidentOnSiteRate]'))


class SecuredClusterConsoleTests(ConsoleTestCase):
    """A second set: CURVE on every socket (the console's too), dispatch as two instances splitting the
    regions, and an accelerated event clock far from the wall clock. The console shows the set's live
    data, routes each action to the instance owning the incident's region, and counts the timers
    down on the set's event clock."""

    FACTOR = 10
    ORIGIN = '2030-06-01T08:00:00Z'

    SET_OPTIONS = dict(signoff_seconds=600, warn_before=60, curve=True, time_factor=FACTOR, time_origin=ORIGIN,
                       dispatch_instances={'dispatch-north': 'R1,R2,R3', 'dispatch-south': 'R4,R5,city,unlocated'})

    def event_now_ms(self):
        """The set's event time now, from its shared anchor, origin and factor (as the services compute it)."""
        anchor = datetime.fromisoformat(self.set.clock_anchor().replace('Z', '+00:00')).timestamp()
        origin = datetime.fromisoformat(self.ORIGIN.replace('Z', '+00:00')).timestamp()
        return (origin + (time.time() - anchor) * self.FACTOR) * 1000

    def test_1_live_data_from_a_curve_secured_set_with_two_dispatch_instances(self):
        self.open('board')
        north = self.set.send_call(2, location={'lat': 36.954935, 'lon': 117.764576, 'address': '北区'}, caller={'name': '甲', 'phone': '13900000601'})['incidentId']
        south = self.set.send_call(9, location={'lat': 36.8791, 'lon': 117.788218, 'address': '南区'}, caller={'name': '乙', 'phone': '13900000602'})['incidentId']
        for incident in (north, south):
            eventually(f'{incident} on the board with a unit', lambda: self.on_board(incident, ' .unit-chip'), timeout=15)
        status, body = http('GET', f'{self.set.console}/api/status')
        self.assertEqual({k: v for k, v in body['sources'].items()},
                         {'intake': 'live', 'dispatch-north': 'live', 'dispatch-south': 'live', 'scoring': 'live', 'liaison': 'live'})
        self.shot('board-curve-two-instances')
        # The bus really is CURVE: a console without the keys fails its handshakes with intake.
        def denied():
            status, metrics = http('GET', f"{self.set.url('intake')}/metrics", token='')
            return sum(float(line.rsplit(' ', 1)[1]) for line in str(metrics).splitlines()
                       if line.startswith('precinct_bus_handshake_failures_total'))
        before = denied()
        port = free_port()
        self.set._start('console-plain', [os.path.join(self.set.bin, 'precinct-console'), '--http-port', str(port), '--endpoints-dir', self.set.data,
                                          '--city', os.path.join(ROOT, 'cities/demo'), '--web-dir', os.path.join(ROOT, 'Services/Console/Web'),
                                          '--time-anchor', self.set.clock_anchor()] + self.set.time_args)
        try:
            eventually('intake to fail a plaintext console\'s handshakes', lambda: denied() > before, timeout=15, interval=0.2)
            self.assertNotEqual(http('GET', f'http://127.0.0.1:{port}/readyz')[0], 200, 'a plaintext console is never ready')
        finally:
            self.set.stop('console-plain')

    def test_2_each_action_goes_to_the_instance_owning_the_region(self):
        self.open('board')
        cases = [('north', self.set.send_call(2, location={'lat': 36.9549, 'lon': 117.7645, 'address': '北区二'}, caller={'name': '丙', 'phone': '13900000603'})['incidentId']),
                 ('south', self.set.send_call(9, location={'lat': 36.8792, 'lon': 117.7883, 'address': '南区二'}, caller={'name': '丁', 'phone': '13900000604'})['incidentId'])]
        for side, incident in cases:
            eventually(f'{incident} on the board', lambda: self.on_board(incident), timeout=15)
            self.go(f'incident/{incident}')
            sent = self.act('c', lambda d: Select(d.find_element(By.CSS_SELECTOR, 'select[name=category]')).select_by_value('dispute'), reason=f'{side} reclassified')
            self.go('board')
            self.within_a_second(f'the {side} incident reclassified', lambda: self.text(f'tr[data-incident="{incident}"] td.category') == 'dispute', sent)
            # Only the owning instance knows the incident: the action reached it.
            status, _ = http('GET', f"{self.set.url('dispatch-' + side)}/v1/incidents/{incident}")
            self.assertEqual(status, 200)
        # Marking the south one major raises an escalation named by its instance; acknowledging it goes back there.
        incident = cases[1][1]
        self.go(f'incident/{incident}')
        self.act('m', lambda d: Select(d.find_element(By.CSS_SELECTOR, 'select[name=major]')).select_by_value('true'), reason='escalating')
        escalation = eventually('the escalation', lambda: self.driver.execute_script(
            "const b = document.querySelector('section.detail button[data-action=acknowledge]'); return b && b.dataset.escalation"), timeout=10)
        self.assertTrue(escalation.startswith('dispatch-south-'), escalation)
        self.act('e', reason='ack south')
        eventually('the escalation acknowledged', lambda: '✓' in self.text(f'li[data-escalation="{escalation}"]'), timeout=5)

    def test_3_timers_count_down_on_the_sets_event_clock(self):
        self.open('board')
        incident = self.set.send_call(5, caller={'name': '戊', 'phone': '13900000605'})['incidentId']
        eventually(f'{incident} assigned', lambda: self.on_board(incident, ' .unit-chip'), timeout=15)
        owner = 'dispatch-north' if http('GET', f"{self.set.url('dispatch-north')}/v1/incidents/{incident}")[0] == 200 else 'dispatch-south'
        status, view = http('GET', f"{self.set.url(owner)}/v1/incidents/{incident}")
        self.assertEqual(status, 200, view)
        close = next(t for t in view['timers'] if t['timer'] == 'close')
        due = datetime.fromisoformat(close['dueAt'].replace('Z', '+00:00')).timestamp() * 1000
        css = f'tr[data-incident="{incident}"] .timer[data-timer="close"]'
        # The console's deadline is dispatch's, to the second.
        shown_due = float(eventually('the close timer', lambda: self.exists(css, 'data-due')))
        self.assertLess(abs(shown_due - due), 1000, f'console {shown_due} vs dispatch {due}')

        # What it shows is dispatch's deadline less the set's event time now (not the wall clock's).
        def remaining_shown():
            text = self.text(css).split()[-1]
            parts = [int(p) for p in text.lstrip('-').split(':')]
            seconds = parts[-1] + parts[-2] * 60 + (parts[-3] * 3600 if len(parts) == 3 else 0)
            return -seconds if text.startswith('-') else seconds
        expected = (due - self.event_now_ms()) / 1000
        shown = remaining_shown()
        self.assertLess(abs(shown - expected), 3 * self.FACTOR, f'shown {shown} s, expected {expected:.0f} s on the event clock')
        # And it runs at the set's speed: 2 s of wall time are 2 × factor seconds of event time.
        first, started = remaining_shown(), time.monotonic()
        eventually('two seconds', lambda: time.monotonic() - started >= 2, timeout=5)
        ran = first - remaining_shown()
        self.assertLess(abs(ran - 2 * self.FACTOR), 2 * self.FACTOR, f'the countdown ran {ran} s in 2 s of wall time at ×{self.FACTOR}')
        clock = self.text('#clock')
        expected_clock = datetime.fromtimestamp(self.event_now_ms() / 1000, timezone(timedelta(hours=8))).strftime('%H:%M')
        self.assertIn(expected_clock[:4], clock, 'the header clock reads event time in the city\'s zone')


if __name__ == '__main__':
    unittest.main(verbosity=2)
