#!/usr/bin/env python3
"""The fault test of `make test`: kill -9 the server under a mixed write load, ten times.

Each round seeds fresh work into one SQLite database (orders waiting for their payment
notification, learners with a playback lease, quiz attempts), starts the server, sends
signed payment notifications, heartbeats and quiz hand-ins from several threads, and
kills the server with SIGKILL at a random moment. After a restart it checks that every
request the server answered with 2xx is in the database: the payment succeeded, the
heartbeat's coverage is kept, the quiz attempt is handed in. Exits non-zero otherwise.
"""

import argparse
import base64
import hashlib
import hmac
import http.client
import json
import os
import random
import secrets
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import ed25519_sign  # noqa: E402  (the same signer the bench uses)

PORT = 3310
ORIGIN = f"http://127.0.0.1:{PORT}"
PER_ROUND = 150  # payments, learners and quiz attempts made for each round


def wait_ready(timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"{ORIGIN}/readyz", timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    sys.exit("the server did not become ready")


def fixture(db_path, session_secret, round_no):
    """Work for one round; returns (notifications, learners, attempts)."""
    db = sqlite3.connect(db_path, timeout=30)
    now = int(time.time() * 1000)
    class_id, fee, session = db.execute(
        "SELECT c.id, c.fee_fen, s.id FROM classes c JOIN class_sessions s ON s.class_id = c.id "
        "WHERE c.mode = 'online' ORDER BY c.id LIMIT 1").fetchone()
    course_id, chapter_id, duration = db.execute(
        "SELECT co.id, ch.id, ch.duration_ms FROM class_courses cc JOIN courses co ON co.id = cc.course_id "
        "JOIN chapters ch ON ch.course_id = co.id WHERE cc.class_id = ? ORDER BY co.id, ch.position LIMIT 1",
        (class_id,)).fetchone()
    questions = [r[0] for r in db.execute("SELECT id FROM questions WHERE course_id = ? ORDER BY id LIMIT 5",
                                          (course_id,))]
    secret = base64.b64decode(db.execute("SELECT secret FROM gateway_keys WHERE name = 'sandbox'").fetchone()[0])
    notifications, learners, attempts = [], [], []
    for i in range(PER_ROUND):
        trade = f"XSCRASH{round_no:02d}{i:04d}-1"
        # A payer of their own (one live registration per person and session).
        payer = 8_000_000 + round_no * 1_000 + i
        db.execute("INSERT INTO users (id, phone, password_hash, name, status, created_at, updated_at) "
                   "VALUES (?, ?, 'x', ?, 'active', ?, ?)", (payer, f"135{payer:08d}"[-11:], f"学员{payer}", now, now))
        reg = db.execute(
            "INSERT INTO registrations (user_id, class_id, session_id, status, job_title, lodging_name, "
            "lodging_price_fen, fee_fen, exam_subjects, exam_type, joint_invoice_note, submitted_at, created_at, "
            "updated_at) VALUES (?, ?, ?, 'awaiting_payment', '', '', 0, ?, '', '', '', ?, ?, ?)",
            (payer, class_id, session, fee, now, now, now)).lastrowid
        order = db.execute(
            "INSERT INTO orders (order_no, registration_id, user_id, status, total_fen, expires_at, created_at, "
            "updated_at) VALUES (?, ?, ?, 'unpaid', ?, ?, ?, ?)",
            (trade[:-2], reg, payer, fee, now + 86_400_000, now, now)).lastrowid
        db.execute(
            "INSERT INTO payments (order_id, out_trade_no, provider, channel, amount_fen, status, code_url, "
            "created_at) VALUES (?, ?, 'sandbox', 'wechat', ?, 'pending', 'crash', ?)", (order, trade, fee, now))
        body = json.dumps({"out_trade_no": trade, "transaction_id": f"SBX{trade}", "amount_fen": fee,
                           "trade_state": "SUCCESS", "success_time": now}, separators=(",", ":"))
        timestamp, nonce = int(time.time()), secrets.token_urlsafe(12)
        signature = base64.b64encode(ed25519_sign(secret, f"{timestamp}\n{nonce}\n{body}\n".encode())).decode()
        notifications.append((trade, body, timestamp, nonce, signature))

        # A learner with a session, a paid registration, the course chosen and a lease
        # last seen an hour ago (so every heartbeat fits the wall clock).
        uid = 7_000_000 + round_no * 1_000 + i
        cookie = secrets.token_urlsafe(32)
        sid = hmac.new(session_secret.encode(), cookie.encode(), hashlib.sha256).hexdigest()
        token = secrets.token_urlsafe(16)
        db.execute("INSERT INTO users (id, phone, password_hash, name, status, created_at, updated_at) "
                   "VALUES (?, ?, 'x', ?, 'active', ?, ?)", (uid, f"136{uid:08d}"[-11:], f"学员{uid}", now, now))
        db.execute("INSERT INTO sessions (id, user_id, created_at, last_seen_at, ip, user_agent) "
                   "VALUES (?, ?, ?, ?, '127.0.0.1', 'crash')", (sid, uid, now, now))
        db.execute(
            "INSERT INTO registrations (user_id, class_id, session_id, status, job_title, lodging_name, "
            "lodging_price_fen, fee_fen, exam_subjects, exam_type, joint_invoice_note, submitted_at, created_at, "
            "updated_at) VALUES (?, ?, ?, 'paid', '', '', 0, ?, '', '', '', ?, ?, ?)",
            (uid, class_id, session, fee, now, now, now))
        selection = db.execute("INSERT INTO course_selections (user_id, class_id, course_id, confirmed_at) "
                               "VALUES (?, ?, ?, ?)", (uid, class_id, course_id, now)).lastrowid
        db.execute("INSERT INTO playbacks (user_id, token, chapter_id, seen_at) VALUES (?, ?, ?, ?)",
                   (uid, token, chapter_id, now - 3_600_000))
        learners.append((uid, cookie, token, chapter_id, duration))
        attempt = db.execute("INSERT INTO quiz_attempts (user_id, selection_id, questions, started_at) "
                             "VALUES (?, ?, ?, ?)", (uid, selection, ",".join(map(str, questions)), now)).lastrowid
        attempts.append((attempt, cookie, questions))
    db.commit()
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return notifications, learners, attempts


class Answered:
    """What the server answered 2xx, per kind, shared by the load threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.payments, self.coverage, self.quizzes = set(), {}, set()


def post(path, body, headers):
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=5)
    try:
        conn.request("POST", path, body=body.encode(), headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def form_headers(cookie):
    return {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json",
            "Origin": ORIGIN, "Host": f"127.0.0.1:{PORT}", "Cookie": f"xueshi_sid={cookie}"}


def send_notifications(items, answered, stop):
    for trade, body, timestamp, nonce, signature in items:
        if stop.is_set():
            return
        headers = {"Content-Type": "application/json", "Xueshi-Pay-Timestamp": str(timestamp),
                   "Xueshi-Pay-Nonce": nonce, "Xueshi-Pay-Signature": signature}
        try:
            status, _ = post("/pay/notify/sandbox", body, headers)
        except OSError:
            return
        if 200 <= status < 300:
            with answered.lock:
                answered.payments.add(trade)


def send_heartbeats(learners, answered, stop):
    for step in range(1, 1000):
        for uid, cookie, token, chapter_id, duration in learners:
            if stop.is_set():
                return
            end = min(step * 1000, duration)
            body = f"chapter_id={chapter_id}&token={token}&segments=0-{end}&position_ms={end}"
            try:
                status, text = post("/api/learn/heartbeat", body, form_headers(cookie))
            except OSError:
                return
            if 200 <= status < 300:
                covered = json.loads(text).get("furthest_ms", 0)
                with answered.lock:
                    answered.coverage[uid] = max(answered.coverage.get(uid, 0), covered)


def hand_in(attempts, answered, stop):
    for attempt, cookie, questions in attempts:
        if stop.is_set():
            return
        body = f"attempt_id={attempt}&" + "&".join(f"q{q}=A" for q in questions)
        try:
            status, _ = post("/api/learn/quiz/submit", body, form_headers(cookie))
        except OSError:
            return
        if 200 <= status < 300:
            with answered.lock:
                answered.quizzes.add(attempt)


def lost_answers(db_path, answered):
    db = sqlite3.connect(db_path, timeout=30)
    lost = []
    for trade in answered.payments:
        status = db.execute("SELECT status FROM payments WHERE out_trade_no = ?", (trade,)).fetchone()[0]
        if status != "succeeded":
            lost.append(f"payment {trade} answered but {status}")
    for uid, covered in answered.coverage.items():
        row = db.execute("SELECT MAX(covered_ms) FROM chapter_progress WHERE user_id = ?", (uid,)).fetchone()
        if (row[0] or 0) < covered:
            lost.append(f"learner {uid}: answered {covered} ms covered, stored {row[0]}")
    for attempt in answered.quizzes:
        row = db.execute("SELECT submitted_at FROM quiz_attempts WHERE id = ?", (attempt,)).fetchone()
        if row[0] is None:
            lost.append(f"quiz attempt {attempt} answered but not handed in")
    db.close()
    return lost


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--site-root", default="target/site")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="xueshi-crash-")
    db_path = f"{work}/crash.db"
    session_secret = secrets.token_urlsafe(48)
    env = dict(os.environ, XUESHI_DATABASE_URL=f"sqlite://{db_path}", XUESHI_STORAGE_DIR=f"{work}/files",
               XUESHI_SITE_ROOT=os.path.abspath(args.site_root), XUESHI_LISTEN=f"127.0.0.1:{PORT}",
               XUESHI_SESSION_SECRET=session_secret, RUST_LOG="error")
    subprocess.run([args.bin, "seed-demo"], env=env, check=True, stdout=subprocess.DEVNULL)
    rng = random.Random(int.from_bytes(os.urandom(4), "little"))
    totals = {"payments": 0, "heartbeats": 0, "quizzes": 0}
    failures = []
    for round_no in range(args.rounds):
        notifications, learners, attempts = fixture(db_path, session_secret, round_no)
        server = subprocess.Popen([args.bin, "serve"], env=env)
        wait_ready()
        answered, stop = Answered(), threading.Event()
        threads = [threading.Thread(target=send_notifications, args=(notifications[k::2], answered, stop))
                   for k in range(2)]
        threads += [threading.Thread(target=send_heartbeats, args=(learners[k::3], answered, stop)) for k in range(3)]
        threads += [threading.Thread(target=hand_in, args=(attempts[k::2], answered, stop)) for k in range(2)]
        for t in threads:
            t.start()
        time.sleep(rng.uniform(0.3, 1.5))
        server.send_signal(signal.SIGKILL)
        server.wait()
        stop.set()
        for t in threads:
            t.join()
        # Restarted, the server opens (and recovers) the database as in production.
        server = subprocess.Popen([args.bin, "serve"], env=env)
        wait_ready()
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        lost = lost_answers(db_path, answered)
        counts = (len(answered.payments), len(answered.coverage), len(answered.quizzes))
        totals["payments"] += counts[0]
        totals["heartbeats"] += counts[1]
        totals["quizzes"] += counts[2]
        print(f"round {round_no + 1}: killed with {counts[0]} payments, {counts[1]} learners' heartbeats and "
              f"{counts[2]} quiz hand-ins answered; {len(lost)} lost")
        failures += lost
    print(f"kill -9 x{args.rounds}: {totals['payments']} payments, {totals['heartbeats']} learners' heartbeats, "
          f"{totals['quizzes']} quiz hand-ins answered 2xx; {len(failures)} missing after restart")
    for line in failures[:20]:
        print("  " + line)
    if failures or totals["payments"] == 0 or totals["heartbeats"] == 0 or totals["quizzes"] == 0:
        sys.exit("the fault test failed" if failures else "the load did not get through (nothing answered)")


if __name__ == "__main__":
    main()
