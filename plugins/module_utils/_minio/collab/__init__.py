# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Expiring external collaborators: the one home of their logic.

A collaborator is three things on the server:
- a MinIO user with a random access key (``C`` + 19 letters or digits);
- its policy ``collab-<name>`` (see _minio.policy.collaborator_policy): one
  folder, every grant ending at the expiry through a date condition that
  MinIO evaluates itself, and explicit denials of what a collaborator must
  never do (its own access keys, derived credentials, object versions);
- its record, one JSON object ``collaborators/<name>.json`` in a dedicated
  admin bucket (default ``s3share-admin``) that no policy grants: who created
  it, when, for which folder, until when. MinIO keeps no metadata on built-in
  users, so the record is where that lives. It is as durable as the data it
  protects, readable by any controller and by the sweep on the server, and
  one object per collaborator means runs for different collaborators never
  rewrite each other's records.

Creation is atomic for the caller: the record is created with a conditional
write (``If-None-Match: *``), so of two first runs for one name only one goes
on; a failure after that rolls back what was made, so the next run starts
clean and returns a secret.

The sweep finds expired collaborators from the policies alone (one admin
call lists every policy with its document, another every user), reads only
the records of the expired ones, handles each on its own, and checks that a
record really names a collaborator before removing anything.

The package, one concern per file:
- validation.py: names, keys, requests and records checked before any change;
- store.py: the records in the admin bucket;
- shared_area.py: whether a folder can be shared without exposing old data;
- service.py: Collaborators, which creates, changes and removes them;
- adopted.py: the one-off adoption of collaborators made by hand;
- sweep.py: the expiry sweep and the orphans.
Import from the file that holds the name; this file exports nothing.

No Ansible import.
"""
