# -*- coding: utf-8 -*-
# Copyright: EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The audit log's hash chain: real files written by AuditLog, tampered with as root would, then verified."""

import gzip
import json
import multiprocessing
import os
import time

import pytest

from ansible_collections.egid.s3share.plugins.module_utils._minio.audit import AuditLog
from ansible_collections.egid.s3share.plugins.module_utils._minio.audit_chain import (
    GENESIS, chain_head, line_hash, log_files, parse_head, verify_chain,
)


def write_lines(path, count, actor="sgressier", start=0):
    log = AuditLog(str(path), "s3share", actor=actor)
    log.ensure_writable()
    for index in range(start, start + count):
        log.write("set_collaborator", "collaborator:c%d" % index, "changed", days=index)


def raw_lines(path):
    return path.read_bytes().splitlines(keepends=True)


def kinds(report):
    return [(p["kind"], os.path.basename(p["file"]), p["line"]) for p in report["problems"]]


@pytest.fixture()
def log(tmp_path):
    path = tmp_path / "logs" / "actions.log"
    write_lines(path, 10)
    return path


def test_a_chain_of_lines_verifies(log):
    records = [json.loads(line) for line in raw_lines(log)]
    assert [r["seq"] for r in records] == list(range(1, 11))
    assert records[0]["prev"] == GENESIS
    for before, after in zip(raw_lines(log), records[1:]):
        assert after["prev"] == line_hash(before)
    report = verify_chain(str(log))
    assert report["ok"] and report["problems"] == [] and report["problem_count"] == 0, report
    assert (report["lines"], report["chained"], report["unchained_before"]) == (10, 10, 0)
    assert report["from_genesis"] and report["first"]["seq"] == 1
    last = {"seq": 10, "hash": line_hash(raw_lines(log)[-1])}
    assert report["head"] == last == chain_head(str(log)) == report["head_file"]
    assert json.loads((log.parent / "actions.log.head").read_text()) == last
    assert oct((log.parent / "actions.log.head").stat().st_mode & 0o777) == "0o640"
    # The backup's view: the head it kept verifies, given as a dict or as s3share's SEQ:HASH.
    assert verify_chain(str(log), expect_head=last)["ok"]
    assert verify_chain(str(log), expect_head="10:%s" % last["hash"])["ok"]


def test_one_changed_byte_is_reported_at_its_line(log):
    lines = raw_lines(log)
    lines[3] = lines[3].replace(b'"sgressier"', b'"sgressiex"')
    log.write_bytes(b"".join(lines))
    report = verify_chain(str(log))
    assert not report["ok"] and kinds(report) == [("changed", "actions.log", 4)], report
    assert report["problems"][0]["seq"] == 4


def test_a_changed_last_line_is_reported_against_the_head_file(log):
    lines = raw_lines(log)
    lines[-1] = lines[-1].replace(b'"changed"', b'"refused"')
    log.write_bytes(b"".join(lines))
    report = verify_chain(str(log))
    assert kinds(report) == [("head_mismatch", "actions.log", 10)], report


def test_a_removed_line_is_reported_where_it_was(log):
    lines = raw_lines(log)
    del lines[4]
    log.write_bytes(b"".join(lines))
    report = verify_chain(str(log))
    assert kinds(report) == [("removed", "actions.log", 5)], report
    assert report["problems"][0]["seq"] == 5 and "1 line (seq 5)" in report["problems"][0]["message"]


def test_two_swapped_lines_are_reported(log):
    lines = raw_lines(log)
    lines[2], lines[3] = lines[3], lines[2]
    log.write_bytes(b"".join(lines))
    report = verify_chain(str(log))
    assert kinds(report) == [("reordered", "actions.log", 4)], report
    assert "(seq 3) comes after seq 4" in report["problems"][0]["message"]


def test_an_inserted_line_is_reported(log):
    lines = raw_lines(log)
    lines.insert(6, json.dumps({"actor": "root", "action": "nothing to see"}).encode() + b"\n")
    log.write_bytes(b"".join(lines))
    assert kinds(verify_chain(str(log))) == [("unchained", "actions.log", 7)]
    # A forged line with chain fields copied from a real one is a duplicate.
    lines[6] = lines[2]
    log.write_bytes(b"".join(lines))
    assert kinds(verify_chain(str(log))) == [("duplicate", "actions.log", 7)]


def test_a_cut_tail_is_seen_against_the_head_and_a_rewritten_head_against_the_kept_one(log):
    kept = chain_head(str(log))
    lines = raw_lines(log)
    log.write_bytes(b"".join(lines[:8]))
    report = verify_chain(str(log))
    assert kinds(report) == [("truncated", "actions.log.head", None)], report
    assert "2 line(s) at the end" in report["problems"][0]["message"]
    # Root rewrites the head file too: only the head kept off the host sees it.
    (log.parent / "actions.log.head").write_text(json.dumps({"seq": 8, "hash": line_hash(lines[7])}))
    assert verify_chain(str(log))["ok"]
    report = verify_chain(str(log), expect_head=kept)
    assert kinds(report) == [("truncated", "actions.log", None)], report
    # Root rewrites the whole chain from line 5 on: the line of the kept head is not the same any more.
    log.write_bytes(b"".join(lines[:4]))
    os.remove(str(log.parent / "actions.log.head"))
    write_lines(log, 6, actor="mallory")
    assert verify_chain(str(log))["ok"]
    report = verify_chain(str(log), expect_head=kept)
    assert kinds(report) == [("head_mismatch", "actions.log", 10)], report


def test_a_lost_head_file_is_reported_and_a_new_chain_shows(log):
    os.remove(str(log.parent / "actions.log.head"))
    assert kinds(verify_chain(str(log))) == [("head_missing", "actions.log.head", None)]
    # The next writer continues from the last line: nothing is lost.
    write_lines(log, 1, start=10)
    assert verify_chain(str(log))["ok"] and chain_head(str(log))["seq"] == 11
    # Lost with the log rotated away: a new chain starts, and the verifier says so.
    os.rename(str(log), str(log) + "-20261201-1796083200")
    os.remove(str(log.parent / "actions.log.head"))
    write_lines(log, 2, start=11)
    assert kinds(verify_chain(str(log))) == [("restart", "actions.log", 1)]


def test_a_writer_stopped_between_its_line_and_the_head(log):
    """The line counts: the verifier notes the head file is behind, the next writer repairs it."""
    last = raw_lines(log)[-1]
    record = dict(json.loads(last), seq=11, prev=line_hash(last))
    with open(str(log), "ab") as handle:
        handle.write(json.dumps(record, sort_keys=True).encode() + b"\n")
    report = verify_chain(str(log))
    assert report["ok"] and "one line behind" in report["notes"][0], report
    write_lines(log, 1, start=11)
    assert [json.loads(line)["seq"] for line in raw_lines(log)][-2:] == [11, 12]
    report = verify_chain(str(log))
    assert report["ok"] and report["notes"] == [] and report["head"]["seq"] == 12


def test_lines_from_before_the_chain_are_counted_not_failed(tmp_path):
    path = tmp_path / "actions.log"
    old = [b"2025-03-01 10:00:00 created collab chu-liege\n",
           json.dumps({"actor": "root", "action": "set_user", "result": "changed"}).encode() + b"\n"]
    path.write_bytes(b"".join(old))
    write_lines(path, 3)
    report = verify_chain(str(path))
    assert report["ok"] and report["unchained_before"] == 2 and report["chained"] == 3, report
    assert report["first"]["line"] == 3 and report["from_genesis"]


def _rotate(log, suffix, compress=False):
    rotated = str(log) + suffix
    os.rename(str(log), rotated)
    if compress:
        with open(rotated, "rb") as source, gzip.open(rotated + ".gz", "wb") as target:
            target.write(source.read())
        os.remove(rotated)
        rotated += ".gz"
    return rotated


def test_the_chain_continues_across_rotations_plain_and_gzip(tmp_path):
    log = tmp_path / "actions.log"
    write_lines(log, 5)
    oldest = _rotate(log, "-20261001-1790812800", compress=True)
    write_lines(log, 4, start=5)
    middle = _rotate(log, "-20261101-1793491200")  # delaycompress: the newest rotated file stays plain
    write_lines(log, 3, start=9)
    (tmp_path / "actions.log.pre-adoption").write_text("the lab's old text log, not ours\n")
    assert log_files(str(log)) == [oldest, middle, str(log)]
    report = verify_chain(str(log))
    assert report["ok"] and [f["lines"] for f in report["files"]] == [5, 4, 3], report
    assert report["chained"] == 12 and report["from_genesis"] and report["head"]["seq"] == 12
    assert json.loads(raw_lines(log)[0])["prev"] == line_hash(open(middle, "rb").read().splitlines()[-1])

    # A line changed inside the compressed file is found there, with its line number.
    with gzip.open(oldest, "rb") as handle:
        lines = handle.read().splitlines(keepends=True)
    lines[1] = lines[1].replace(b"collaborator:c1\"", b"collaborator:c9\"")
    with gzip.open(oldest, "wb") as handle:
        handle.write(b"".join(lines))
    assert kinds(verify_chain(str(log))) == [("changed", os.path.basename(oldest), 2)]

    # A whole rotated file removed: a gap at the first line of the next one.
    os.remove(oldest)
    report = verify_chain(str(log))
    assert report["ok"] and not report["from_genesis"] and "starts at seq 6" in report["notes"][0]
    os.remove(middle)
    os.rename(str(log), middle)  # the current file rotated, with the head file kept: the next line links on
    write_lines(log, 1, start=12)
    assert verify_chain(str(log))["ok"]
    with open(middle, "rb") as handle:
        lines = handle.read().splitlines(keepends=True)
    with open(middle, "wb") as handle:
        handle.write(b"".join(lines[:1] + lines[2:]))
    assert kinds(verify_chain(str(log))) == [("removed", os.path.basename(middle), 2)]


def test_while_gzip_runs_the_plain_file_is_read_once(tmp_path):
    log = tmp_path / "actions.log"
    write_lines(log, 3)
    rotated = _rotate(log, "-20261101-1793491200")
    with open(rotated, "rb") as source, gzip.open(rotated + ".gz", "wb") as target:
        target.write(source.read()[:10])  # half written
    write_lines(log, 2, start=3)
    assert log_files(str(log)) == [rotated, str(log)]
    assert verify_chain(str(log))["ok"]


def test_the_expected_head_must_be_in_the_files_read(log):
    report = verify_chain(str(log), expect_head={"seq": 0, "hash": GENESIS})
    assert report["ok"]
    with pytest.raises(ValueError):
        parse_head("10:XYZ")
    with pytest.raises(ValueError):
        verify_chain(str(log), expect_head="ten:" + "a" * 64)
    report = verify_chain(str(log), expect_head={"seq": 4, "hash": "a" * 64})
    assert kinds(report) == [("head_mismatch", "actions.log", 4)]


def _writer(path, index, count):
    log = AuditLog(path, "minio_user", actor="w%d" % index)
    for number in range(count):
        log.write("set_user", "user:%d-%d" % (index, number), "changed", padding=["x" * 250] * 4)


def test_concurrent_writers_keep_one_chain(tmp_path):
    path = str(tmp_path / "actions.log")
    context = multiprocessing.get_context("fork")
    procs = [context.Process(target=_writer, args=(path, index, 150)) for index in range(4)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join()
    assert [proc.exitcode for proc in procs] == [0] * 4
    records = [json.loads(line) for line in open(path, "rb")]
    assert [r["seq"] for r in records] == list(range(1, 601))
    report = verify_chain(path)
    assert report["ok"] and report["chained"] == 600, report["problems"][:3]


def test_concurrent_writers_keep_one_chain_across_a_rotation(tmp_path):
    """logrotate renames the file while writers run: the chain goes on in the new file."""
    path = str(tmp_path / "actions.log")
    context = multiprocessing.get_context("fork")
    procs = [context.Process(target=_writer, args=(path, index, 150)) for index in range(3)]
    for proc in procs:
        proc.start()
    rotations = 0
    for stamp in ("-20261101-1793491200", "-20261201-1796083200"):
        while not os.path.exists(path) or os.path.getsize(path) < 20000 * (rotations + 1):
            if not any(proc.is_alive() for proc in procs):
                break
            time.sleep(0.005)
        if os.path.exists(path):
            os.rename(path, path + stamp)
            rotations += 1
    for proc in procs:
        proc.join()
    assert [proc.exitcode for proc in procs] == [0] * 3
    report = verify_chain(path)
    assert report["ok"] and report["chained"] == 450 and len(report["files"]) == rotations + 1, report
    assert rotations == 2
