#!/usr/bin/env python3
"""make bench: load-test the release build on a fresh database.

Starts the server (production mode, demo data seeded beforehand), drives the
pages with wrk, and reports requests/s, p50/p99 latency, the server's peak memory
and the wasm bundle's size raw, gzip and brotli. Results also go to .bench/.
"""

import argparse
import base64
import glob
import gzip
import hashlib
import hmac
import json
import os
import re
import secrets
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request

PORT = 3300
BASE = f"http://127.0.0.1:{PORT}"
BROWSER_HEADERS = ["Accept: text/html", "Accept-Encoding: gzip, deflate, br"]


def wait_ready(timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"{BASE}/readyz", timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    sys.exit("the server did not become ready")


def parse_duration_ms(text):
    value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def run_wrk(path, headers, connections, seconds, script=None):
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if script:
        cmd += ["-s", script]
    for header in headers:
        cmd += ["-H", header]
    out = subprocess.run(cmd + [BASE + path], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    latency = {p: parse_duration_ms(v) for p, v in re.findall(r"^\s+(50|99)%\s+(\S+)", out, re.M)}
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    return {
        "path": path,
        "requests_per_s": round(rps),
        "p50_ms": round(latency["50"], 2),
        "p99_ms": round(latency["99"], 2),
        "non_2xx": int(errors.group(1)) if errors else 0,
        "socket_errors": socket_errors.group(1) if socket_errors else "",
    }


def peak_memory_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    return None


def wasm_sizes(site_root):
    candidates = [p for p in glob.glob(os.path.join(site_root, "pkg", "*.wasm"))]
    if not candidates:
        return None
    wasm = max(candidates, key=os.path.getmtime)
    raw = open(wasm, "rb").read()
    gz = len(gzip.compress(raw, compresslevel=9))
    br_path = wasm + ".br"
    if os.path.exists(br_path):
        br = os.path.getsize(br_path)
    else:
        br = int(subprocess.run(
            ["node", "-e", "const z=require('zlib'),fs=require('fs');"
             "process.stdout.write(String(z.brotliCompressSync(fs.readFileSync(process.argv[1]),"
             "{params:{[z.constants.BROTLI_PARAM_QUALITY]:11}}).length))", wasm],
            capture_output=True, text=True, check=True).stdout)
    return {"file": os.path.basename(wasm), "raw_kb": round(len(raw) / 1024, 1),
            "gzip_kb": round(gz / 1024, 1), "brotli_kb": round(br / 1024, 1)}


# --- payment notifications ---------------------------------------------------------
# The sandbox gateway signs with Ed25519 (its key is in gateway_keys). Python's standard
# library has no Ed25519, so the RFC 8032 reference signing is written out here; the
# server checking the signature is what proves it right (the bench fails otherwise).
ED_P = 2**255 - 19
ED_Q = 2**252 + 27742317777372353535851937790883648493
ED_D = -121665 * pow(121666, ED_P - 2, ED_P) % ED_P


def _ed_add(P, Q):
    A, B = (P[1] - P[0]) * (Q[1] - Q[0]) % ED_P, (P[1] + P[0]) * (Q[1] + Q[0]) % ED_P
    C, D = 2 * P[3] * Q[3] * ED_D % ED_P, 2 * P[2] * Q[2] % ED_P
    E, F, G, H = B - A, D - C, D + C, B + A
    return (E * F, G * H, F * G, E * H)


def _ed_mul(s, P):
    Q = (0, 1, 1, 0)
    while s > 0:
        if s & 1:
            Q = _ed_add(Q, P)
        P = _ed_add(P, P)
        s >>= 1
    return Q


def _ed_compress(P):
    zinv = pow(P[2], ED_P - 2, ED_P)
    x, y = P[0] * zinv % ED_P, P[1] * zinv % ED_P
    return int.to_bytes(y | ((x & 1) << 255), 32, "little")


def _ed_base():
    y = 4 * pow(5, ED_P - 2, ED_P) % ED_P
    x2 = (y * y - 1) * pow(ED_D * y * y + 1, ED_P - 2, ED_P)
    x = pow(x2, (ED_P + 3) // 8, ED_P)
    if (x * x - x2) % ED_P != 0:
        x = x * pow(2, (ED_P - 1) // 4, ED_P) % ED_P
    if x & 1:
        x = ED_P - x
    return (x, y, 1, x * y % ED_P)


def ed25519_sign(secret, message):
    h = hashlib.sha512(secret).digest()
    a = (int.from_bytes(h[:32], "little") & ((1 << 254) - 8)) | (1 << 254)
    G = _ed_base()
    public = _ed_compress(_ed_mul(a, G))
    r = int.from_bytes(hashlib.sha512(h[32:] + message).digest(), "little") % ED_Q
    R = _ed_compress(_ed_mul(r, G))
    k = int.from_bytes(hashlib.sha512(R + public + message).digest(), "little") % ED_Q
    return R + int.to_bytes((r + k * a) % ED_Q, 32, "little")


def notification_fixture(db_path):
    """An unpaid order of the demo trainee 张三 with a pending scan-to-pay payment."""
    db = sqlite3.connect(db_path)
    now = int(time.time() * 1000)
    user = db.execute("SELECT id FROM users WHERE phone = '13800000011'").fetchone()[0]
    class_id, fee, session = db.execute(
        "SELECT c.id, c.fee_fen, s.id FROM classes c JOIN class_sessions s ON s.class_id = c.id "
        "WHERE c.mode = 'online' ORDER BY c.id LIMIT 1").fetchone()
    reg = db.execute(
        "INSERT INTO registrations (user_id, class_id, session_id, status, job_title, lodging_name, lodging_price_fen, "
        "fee_fen, exam_subjects, exam_type, joint_invoice_note, submitted_at, created_at, updated_at) "
        "VALUES (?, ?, ?, 'awaiting_payment', '', '', 0, ?, '', '', '', ?, ?, ?)",
        (user, class_id, session, fee, now, now, now)).lastrowid
    order = db.execute(
        "INSERT INTO orders (order_no, registration_id, user_id, status, total_fen, expires_at, created_at, updated_at) "
        "VALUES ('XSBENCH000000000000001', ?, ?, 'unpaid', ?, ?, ?, ?)",
        (reg, user, fee, now + 86_400_000, now, now)).lastrowid
    db.execute(
        "INSERT INTO payments (order_id, out_trade_no, provider, channel, amount_fen, status, code_url, created_at) "
        "VALUES (?, 'XSBENCH000000000000001-1', 'sandbox', 'wechat', ?, 'pending', 'bench', ?)", (order, fee, now))
    secret = base64.b64decode(db.execute("SELECT secret FROM gateway_keys WHERE name = 'sandbox'").fetchone()[0])
    db.commit()
    db.close()
    body = json.dumps({"out_trade_no": "XSBENCH000000000000001-1", "transaction_id": "SBXbench", "amount_fen": fee,
                       "trade_state": "SUCCESS", "success_time": now}, separators=(",", ":"))
    return secret, body


def notification_script(work, secret, body):
    timestamp, nonce = int(time.time()), secrets.token_urlsafe(12)
    signature = base64.b64encode(ed25519_sign(secret, f"{timestamp}\n{nonce}\n{body}\n".encode())).decode()
    path = os.path.join(work, "notify.lua")
    with open(path, "w") as f:
        f.write('wrk.method = "POST"\n')
        f.write(f"wrk.body = {json.dumps(body)}\n")
        f.write('wrk.headers["Content-Type"] = "application/json"\n')
        f.write(f'wrk.headers["Xueshi-Pay-Timestamp"] = "{timestamp}"\n')
        f.write(f'wrk.headers["Xueshi-Pay-Nonce"] = "{nonce}"\n')
        f.write(f'wrk.headers["Xueshi-Pay-Signature"] = "{signature}"\n')
    return path


def applied_once(db_path):
    db = sqlite3.connect(db_path)
    payments = db.execute("SELECT COUNT(*) FROM payments WHERE status = 'succeeded' AND provider = 'sandbox'").fetchone()[0]
    orders = db.execute("SELECT COUNT(*) FROM orders WHERE status = 'paid' AND order_no = 'XSBENCH000000000000001'").fetchone()[0]
    told = db.execute("SELECT COUNT(*) FROM messages WHERE title = '报名成功'").fetchone()[0]
    db.close()
    return payments == 1 and orders == 1 and told == 1


# --- online learning ----------------------------------------------------------------
LEARNERS = 1000
# Trainees handing in a quiz, one open attempt each (the schema allows one open attempt
# per course selection).
QUIZ_TAKERS = 40_000
BASE_ID = 5_000_000
QUIZ_BASE_ID = 6_000_000


def learning_fixture(run_sql, query, session_secret):
    """Creates the learners through `run_sql` (a list of statements) after reading the
    demo class, course and chapter through `query` (one row)."""
    now = int(time.time() * 1000)
    class_id, session_id, fee = query(
        "SELECT c.id, s.id, c.fee_fen FROM classes c JOIN class_sessions s ON s.class_id = c.id "
        "WHERE c.mode = 'online' ORDER BY c.id LIMIT 1")
    course_id, chapter_id, duration = query(
        "SELECT co.id, ch.id, ch.duration_ms FROM class_courses cc JOIN courses co ON co.id = cc.course_id "
        "JOIN chapters ch ON ch.course_id = co.id WHERE cc.class_id = %d ORDER BY co.id, ch.position LIMIT 1" % class_id)
    question_ids = [row for row in query(
        "SELECT id FROM questions WHERE course_id = %d ORDER BY id" % course_id, many=True)]
    statements, learners, attempts = [], [], []

    def trainee(uid, phone, cookie):
        """A trainee with a session who has paid for the class and chosen the course."""
        sid = hmac.new(session_secret.encode(), cookie.encode(), hashlib.sha256).hexdigest()
        statements.append(
            "INSERT INTO users (id, phone, password_hash, name, status, created_at, updated_at) "
            f"VALUES ({uid}, '{phone}', 'x', '学员{uid}', 'active', {now}, {now})")
        statements.append(
            "INSERT INTO sessions (id, user_id, created_at, last_seen_at, ip, user_agent) "
            f"VALUES ('{sid}', {uid}, {now}, {now}, '127.0.0.1', 'bench')")
        statements.append(
            "INSERT INTO registrations (id, user_id, class_id, session_id, status, job_title, lodging_name, "
            "lodging_price_fen, fee_fen, exam_subjects, exam_type, joint_invoice_note, submitted_at, created_at, updated_at) "
            f"VALUES ({uid}, {uid}, {class_id}, {session_id}, 'paid', '', '', 0, {fee}, '', '', '', {now}, {now}, {now})")
        statements.append(
            "INSERT INTO course_selections (id, user_id, class_id, course_id, confirmed_at) "
            f"VALUES ({uid}, {uid}, {class_id}, {course_id}, {now})")

    for i in range(LEARNERS):
        uid = BASE_ID + i
        cookie = secrets.token_urlsafe(32)
        token = secrets.token_urlsafe(16)
        trainee(uid, f"139{i:08d}", cookie)
        # The lease was last seen an hour ago: every heartbeat has time to cover.
        statements.append(
            "INSERT INTO playbacks (user_id, token, chapter_id, seen_at) "
            f"VALUES ({uid}, '{token}', {chapter_id}, {now - 3_600_000})")
        statements.append(
            "INSERT INTO chapter_progress (user_id, chapter_id, segments, covered_ms, position_ms, completed_at, heartbeat_at) "
            f"VALUES ({uid}, {chapter_id}, '0-{duration}', {duration}, 0, {now}, {now})")
        learners.append((cookie, token, chapter_id))
    drawn = ",".join(str(q) for q in question_ids[:5])
    for k in range(QUIZ_TAKERS):
        uid = QUIZ_BASE_ID + k
        cookie = secrets.token_urlsafe(32)
        trainee(uid, f"137{k:08d}", cookie)
        statements.append(
            "INSERT INTO quiz_attempts (id, user_id, selection_id, questions, started_at) "
            f"VALUES ({uid}, {uid}, {uid}, '{drawn}', {now})")
        attempts.append((cookie, uid))
    run_sql(statements)
    return learners, attempts, question_ids[:5]


def lua_table(rows):
    return "{" + ",".join("{" + ",".join(json.dumps(str(v)) for v in row) + "}" for row in rows) + "}"


def heartbeat_script(work, learners, cookie_name):
    path = os.path.join(work, "heartbeat.lua")
    with open(path, "w") as f:
        f.write(f"local learners = {lua_table(learners)}\n")
        f.write('local n = 0\n')
        f.write('request = function()\n')
        f.write('  n = n + 1\n')
        f.write('  local l = learners[(n * 7919) % #learners + 1]\n')
        f.write('  local body = "chapter_id=" .. l[3] .. "&token=" .. l[2] .. "&segments=0-1000&position_ms=1000"\n')
        f.write('  return wrk.format("POST", "/api/learn/heartbeat", {\n')
        f.write('    ["Content-Type"] = "application/x-www-form-urlencoded", ["Accept"] = "application/json",\n')
        f.write('    ["Origin"] = "http://127.0.0.1:%d", ["Host"] = "127.0.0.1:%d",\n' % (PORT, PORT))
        f.write(f'    ["Cookie"] = "{cookie_name}=" .. l[1]}}, body)\n')
        f.write('end\n')
    return path


def quiz_script(work, attempts, questions, cookie_name, threads):
    """Each wrk thread hands in its own share of the attempts, once each."""
    path = os.path.join(work, "quiz.lua")
    answers = "&".join(f"q{q}=A" for q in questions)
    with open(path, "w") as f:
        f.write(f"local attempts = {lua_table(attempts)}\n")
        f.write("local counter = 0\nlocal step = %d\n" % threads)
        f.write("setup = function(thread) counter = counter + 1; thread:set('offset', counter) end\n")
        f.write("local n = 0\n")
        f.write("request = function()\n")
        f.write("  local a = attempts[(offset - 1) + n * step + 1]\n  n = n + 1\n")
        f.write("  if a == nil then a = attempts[1] end\n")
        f.write(f'  local body = "attempt_id=" .. a[2] .. "&{answers}"\n')
        f.write('  return wrk.format("POST", "/api/learn/quiz/submit", {\n')
        f.write('    ["Content-Type"] = "application/x-www-form-urlencoded", ["Accept"] = "application/json",\n')
        f.write('    ["Origin"] = "http://127.0.0.1:%d", ["Host"] = "127.0.0.1:%d",\n' % (PORT, PORT))
        f.write(f'    ["Cookie"] = "{cookie_name}=" .. a[1]}}, body)\n')
        f.write("end\n")
    return path


def sqlite_runner(db_path):
    def run_sql(statements):
        db = sqlite3.connect(db_path, timeout=30)
        db.executescript("BEGIN;\n" + ";\n".join(statements) + ";\nCOMMIT;")
        # The bulk load would otherwise sit in the write-ahead log the server reads through.
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.close()

    def query(sql, many=False):
        db = sqlite3.connect(db_path, timeout=30)
        rows = db.execute(sql).fetchall()
        db.close()
        return [r[0] for r in rows] if many else rows[0]

    return run_sql, query


def postgres_runner(url):
    def run_sql(statements):
        script = "BEGIN;\n" + ";\n".join(statements) + ";\nCOMMIT;\n"
        subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", url], input=script, text=True, check=True,
                       stdout=subprocess.DEVNULL)

    def query(sql, many=False):
        out = subprocess.run(["psql", "-At", "-F", "|", "-c", sql, url], capture_output=True, text=True,
                             check=True).stdout.strip().splitlines()
        rows = [[int(v) if v.lstrip("-").isdigit() else v for v in line.split("|")] for line in out]
        return [r[0] for r in rows] if many else rows[0]

    return run_sql, query


def learning_bench(run_sql, query, session_secret, connections, seconds):
    """Heartbeats of 1,000 learners, then quiz hand-ins, against the running server."""
    learners, attempts, questions = learning_fixture(run_sql, query, session_secret)
    cookie = "__Host-xueshi_sid"
    work = tempfile.mkdtemp(prefix="xueshi-bench-lua-")
    try:
        beat = run_wrk("/api/learn/heartbeat", [], connections, seconds, heartbeat_script(work, learners, cookie))
        quiz = run_wrk("/api/learn/quiz/submit", [], connections, seconds,
                       quiz_script(work, attempts, questions, cookie, 2))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    handed_in = query("SELECT COUNT(*) FROM quiz_attempts WHERE submitted_at IS NOT NULL")[0]
    passed = query("SELECT COUNT(*) FROM course_selections WHERE passed_at IS NOT NULL")[0]
    credited = query("SELECT COUNT(*) FROM credit_ledger WHERE source = 'course'")[0]
    return {"heartbeat": beat, "quiz": quiz, "quiz_handed_in": handed_in,
            "courses_passed": passed, "hours_credited": credited,
            "credited_once": credited == passed}


HOURS_PEOPLE = 100_000
HOURS_ROWS = 1_000_000
HOURS_SIGNED_IN = 1_000
HOURS_BASE_ID = 3_000_000


def credits_fixture(run_sql, query, session_secret, engine):
    """100,000 people of the demo unit with 1,000,000 ledger rows over three years, and
    sessions for 1,000 of them."""
    now = int(time.time() * 1000)
    this_year = time.gmtime(now / 1000 + 8 * 3600).tm_year
    unit_id = query("SELECT id FROM units WHERE credit_code = '91510100MA6CX00019'")[0]
    people = HOURS_PEOPLE - 1
    rows = HOURS_ROWS - 1
    per_person = HOURS_ROWS // HOURS_PEOPLE
    category = "CASE i % 3 WHEN 0 THEN 'public' WHEN 1 THEN 'professional' ELSE 'elective' END"
    if engine == "sqlite":
        numbers = lambda last: f"WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {last}) "
        users = (numbers(people) + "INSERT INTO users (id, phone, password_hash, name, status, unit_id, unit_status, "
                 "created_at, updated_at) SELECT " + f"{HOURS_BASE_ID} + i, '136' || printf('%08d', i), 'x', "
                 f"'学员' || i, 'active', {unit_id}, 'approved', {now}, {now} FROM n")
        ledger = (numbers(rows) + "INSERT INTO credit_ledger (user_id, year, category, tenths, source, source_id, title, "
                  f"created_at) SELECT {HOURS_BASE_ID} + i / {per_person}, {this_year} - i % 3, {category}, 30 + i % 50, "
                  f"'import', i, '学时记录' || i, {now} FROM n")
    else:
        users = ("INSERT INTO users (id, phone, password_hash, name, status, unit_id, unit_status, created_at, "
                 f"updated_at) SELECT {HOURS_BASE_ID} + i, '136' || lpad(i::text, 8, '0'), 'x', '学员' || i, 'active', "
                 f"{unit_id}, 'approved', {now}, {now} FROM generate_series(0, {people}) AS n(i)")
        ledger = ("INSERT INTO credit_ledger (user_id, year, category, tenths, source, source_id, title, created_at) "
                  f"SELECT {HOURS_BASE_ID} + i / {per_person}, {this_year} - i % 3, {category}, 30 + i % 50, 'import', "
                  f"i, '学时记录' || i, {now} FROM generate_series(0, {rows}) AS n(i)")
    statements = [users, ledger]
    cookies = []
    for k in range(HOURS_SIGNED_IN):
        uid = HOURS_BASE_ID + k * (HOURS_PEOPLE // HOURS_SIGNED_IN)
        cookie = secrets.token_urlsafe(32)
        sid = hmac.new(session_secret.encode(), cookie.encode(), hashlib.sha256).hexdigest()
        statements.append(
            "INSERT INTO sessions (id, user_id, created_at, last_seen_at, ip, user_agent) "
            f"VALUES ('{sid}', {uid}, {now}, {now}, '127.0.0.1', 'bench')")
        cookies.append((cookie,))
    run_sql(statements)
    if engine == "postgres":
        run_sql(["ANALYZE credit_ledger", "ANALYZE users"])
    return cookies


def hours_script(work, cookies, cookie_name, page):
    """学时完成情况 of the signed-in people in turn: the page, or its server function."""
    path = os.path.join(work, "hours-page.lua" if page else "hours-api.lua")
    with open(path, "w") as f:
        f.write(f"local people = {lua_table(cookies)}\n")
        f.write("local n = 0\n")
        f.write("request = function()\n")
        f.write("  n = n + 1\n")
        f.write("  local p = people[(n * 7919) % #people + 1]\n")
        if page:
            f.write('  return wrk.format("GET", "/me/hours", {["Accept"] = "text/html",\n')
        else:
            f.write('  return wrk.format("POST", "/api/me/hours", {\n')
            f.write('    ["Content-Type"] = "application/x-www-form-urlencoded", ["Accept"] = "application/json",\n')
        f.write('    ["Origin"] = "http://127.0.0.1:%d", ["Host"] = "127.0.0.1:%d",\n' % (PORT, PORT))
        f.write(f'    ["Cookie"] = "{cookie_name}=" .. p[1]}}, "")\n')
        f.write("end\n")
    return path


def credits_bench(run_sql, query, session_secret, connections, seconds, engine):
    """学时完成情况 on a ledger of 1,000,000 rows over 100,000 people."""
    started = time.time()
    cookies = credits_fixture(run_sql, query, session_secret, engine)
    loaded_s = round(time.time() - started, 1)
    ledger_rows = query("SELECT COUNT(*) FROM credit_ledger")[0]
    cookie = "__Host-xueshi_sid"
    work = tempfile.mkdtemp(prefix="xueshi-bench-lua-")
    try:
        run_wrk("/me/hours", [], connections, 2, hours_script(work, cookies, cookie, True))  # warm-up
        page = run_wrk("/me/hours", [], connections, seconds, hours_script(work, cookies, cookie, True))
        api = run_wrk("/api/me/hours", [], connections, seconds, hours_script(work, cookies, cookie, False))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {"page": page, "api": api, "ledger_rows": ledger_rows, "loaded_s": loaded_s}


def certificates_bench(run_sql, query, session_secret, connections, seconds):
    """The public verification page and the PDF of the demo holder's certificate."""
    serial = query("SELECT serial FROM certificates ORDER BY id LIMIT 1")[0]
    holder = query("SELECT user_id FROM certificates ORDER BY id LIMIT 1")[0]
    now = int(time.time() * 1000)
    cookie = secrets.token_urlsafe(32)
    sid = hmac.new(session_secret.encode(), cookie.encode(), hashlib.sha256).hexdigest()
    run_sql(["INSERT INTO sessions (id, user_id, created_at, last_seen_at, ip, user_agent) "
             f"VALUES ('{sid}', {holder}, {now}, {now}, '127.0.0.1', 'bench')"])
    signed_in = [f"Cookie: __Host-xueshi_sid={cookie}"]
    run_wrk(f"/verify/{serial}", BROWSER_HEADERS, connections, 2)  # warm-up
    verify = run_wrk(f"/verify/{serial}", BROWSER_HEADERS, connections, seconds)
    run_wrk(f"/certificates/{serial}.pdf", signed_in, connections, 2)  # warm-up (the font is read once)
    pdf = run_wrk(f"/certificates/{serial}.pdf", signed_in, connections, seconds)
    return {"verify": verify, "pdf": pdf}


def start_server(binary, env):
    server = subprocess.Popen([binary, "serve"], env=env)
    wait_ready()
    return server


def stop_server(server):
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=15)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--site-root", default="target/site")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--postgres", default=os.environ.get("XUESHI_BENCH_POSTGRES_URL",
                                                            "postgres://postgres@127.0.0.1:5432/postgres"))
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="xueshi-bench-")
    session_secret = secrets.token_urlsafe(48)
    base_env = dict(os.environ)
    base_env.update({
        "XUESHI_STORAGE_DIR": f"{work}/files",
        "XUESHI_SITE_ROOT": os.path.abspath(args.site_root),
        "XUESHI_LISTEN": f"127.0.0.1:{PORT}",
        "RUST_LOG": "warn",
    })
    env = dict(base_env, XUESHI_DATABASE_URL=f"sqlite://{work}/bench.db")
    subprocess.run([args.bin, "seed-demo"], env=env, check=True, stdout=subprocess.DEVNULL)
    secret, notice_body = notification_fixture(f"{work}/bench.db")
    # Production mode, with the sandbox gateway and the SMS outbox named explicitly
    # (production refuses both by default).
    production = {"XUESHI_ENV": "production", "XUESHI_SESSION_SECRET": session_secret,
                  "XUESHI_PAYMENT_SANDBOX": "true", "XUESHI_SMS_OUTBOX_IN_PRODUCTION": "staging"}
    env.update(production)
    results = {"pages": [], "machine_cores": os.cpu_count()}
    server = start_server(args.bin, env)
    try:
        for path in ["/", "/news"]:
            run_wrk(path, BROWSER_HEADERS, args.connections, 2)  # warm-up
        for label, headers in [("browser (br/gzip)", BROWSER_HEADERS), ("uncompressed", ["Accept: text/html"])]:
            for path in ["/", "/news"]:
                result = run_wrk(path, headers, args.connections, args.seconds)
                result["encoding"] = label
                results["pages"].append(result)
        script = notification_script(work, secret, notice_body)
        notify = run_wrk("/pay/notify/sandbox", [], args.connections, args.seconds, script)
        notify["applied_exactly_once"] = applied_once(f"{work}/bench.db")
        results["notify"] = notify
        run_sql, query = sqlite_runner(f"{work}/bench.db")
        results["learning_sqlite"] = learning_bench(run_sql, query, session_secret, args.connections, args.seconds)
        results["credits_sqlite"] = credits_bench(run_sql, query, session_secret, args.connections, args.seconds,
                                                  "sqlite")
        results["certificates_sqlite"] = certificates_bench(run_sql, query, session_secret, args.connections,
                                                            args.seconds)
        results["peak_memory_mb"] = peak_memory_mb(server.pid)
    finally:
        stop_server(server)

    # The learning load again on PostgreSQL, on a database of its own.
    name = f"xueshi_bench_{secrets.token_hex(4)}"
    base, _ = args.postgres.rsplit("/", 1)
    pg_url = f"{base}/{name}"
    try:
        subprocess.run(["psql", "-q", "-c", f"CREATE DATABASE {name}", args.postgres], check=True)
        env = dict(base_env, XUESHI_DATABASE_URL=pg_url, XUESHI_STORAGE_DIR=f"{work}/files-pg")
        subprocess.run([args.bin, "seed-demo"], env=env, check=True, stdout=subprocess.DEVNULL)
        env.update(production)
        server = start_server(args.bin, env)
        try:
            run_sql, query = postgres_runner(pg_url)
            results["learning_postgres"] = learning_bench(run_sql, query, session_secret, args.connections,
                                                          args.seconds)
            results["credits_postgres"] = credits_bench(run_sql, query, session_secret, args.connections,
                                                        args.seconds, "postgres")
        finally:
            stop_server(server)
    except (subprocess.CalledProcessError, FileNotFoundError) as err:
        results["learning_postgres"] = {"error": str(err)}
    finally:
        subprocess.run(["psql", "-q", "-c", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", args.postgres])
        shutil.rmtree(work, ignore_errors=True)
    results["wasm"] = wasm_sizes(args.site_root)

    print()
    print(f"Xueshi bench — release build, {results['machine_cores']} cores, wrk -t2 -c{args.connections} -d{args.seconds}s")
    print(f"{'page (SQLite)':<14}{'encoding':<20}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'non-2xx':>9}")
    for r in results["pages"]:
        print(f"{r['path']:<14}{r['encoding']:<20}{r['requests_per_s']:>8}{r['p50_ms']:>9}{r['p99_ms']:>9}{r['non_2xx']:>9}")
    n = results["notify"]
    print(f"payment notifications (signed, verified, the same one repeated): {n['requests_per_s']} req/s, "
          f"p50 {n['p50_ms']} ms, p99 {n['p99_ms']} ms, refused {n['non_2xx']}, "
          f"applied exactly once: {'yes' if n['applied_exactly_once'] else 'NO'}")
    for engine in ["sqlite", "postgres"]:
        l = results.get(f"learning_{engine}", {})
        if "heartbeat" not in l:
            print(f"learning on {engine}: not measured ({l.get('error', 'unknown')})")
            continue
        h, q = l["heartbeat"], l["quiz"]
        print(f"learning on {engine}: heartbeats ({LEARNERS} learners) {h['requests_per_s']} req/s, p50 {h['p50_ms']} ms, "
              f"p99 {h['p99_ms']} ms, refused {h['non_2xx']}; quiz hand-ins {q['requests_per_s']} req/s, "
              f"p99 {q['p99_ms']} ms, refused {q['non_2xx']} (handed in {l['quiz_handed_in']}, passed "
              f"{l['courses_passed']}, credited {l['hours_credited']}: {'once each' if l['credited_once'] else 'MISMATCH'})")
    for engine in ["sqlite", "postgres"]:
        c = results.get(f"credits_{engine}")
        if not c:
            print(f"学时完成情况 on {engine}: not measured")
            continue
        p, a = c["page"], c["api"]
        print(f"学时完成情况 on {engine} ({c['ledger_rows']:,} ledger rows, {HOURS_PEOPLE:,} people, loaded in "
              f"{c['loaded_s']} s): page {p['requests_per_s']} req/s, p50 {p['p50_ms']} ms, p99 {p['p99_ms']} ms, "
              f"non-2xx {p['non_2xx']}; server fn {a['requests_per_s']} req/s, p99 {a['p99_ms']} ms, "
              f"non-2xx {a['non_2xx']}")
    c = results.get("certificates_sqlite")
    if c:
        v, d = c["verify"], c["pdf"]
        print(f"certificates on sqlite: verification page {v['requests_per_s']} req/s, p50 {v['p50_ms']} ms, "
              f"p99 {v['p99_ms']} ms, non-2xx {v['non_2xx']}; PDF {d['requests_per_s']} /s, p50 {d['p50_ms']} ms, "
              f"p99 {d['p99_ms']} ms, non-2xx {d['non_2xx']}")
    print(f"server peak memory on SQLite (VmHWM): {results['peak_memory_mb']} MB")
    w = results["wasm"]
    if w:
        print(f"wasm {w['file']}: {w['raw_kb']} KB raw, {w['gzip_kb']} KB gzip, {w['brotli_kb']} KB brotli")
    print("targets: >= 3000 pages/s with p99 <= 20 ms; peak memory <= 150 MB; wasm <= 350 KB brotli;"
          " >= 1000 verified notifications/s, each applied exactly once;"
          " >= 10000 heartbeats/s with p99 <= 25 ms and >= 2000 quiz hand-ins/s on SQLite;"
          " 学时完成情况 >= 3000/s with p99 <= 20 ms on SQLite;"
          " certificate PDFs >= 200/s; verification page >= 5000/s with p99 <= 10 ms")
    os.makedirs(".bench", exist_ok=True)
    with open(".bench/results.json", "w") as f:
        json.dump(results, f, indent=2, ensure_ascii=False)


if __name__ == "__main__":
    main()
