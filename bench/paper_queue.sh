#!/usr/bin/env bash
# The paper's recipe on the CPU (issue 34), the whole queue in one command: every seed-0 training (CIFAR-10: ERM, MFW,
# MFW + DRW; then the paper-weights diagnostic, MFW at beta = 0.01, queued when MFW's test accuracy was seen to lie far
# below the paper's; then CIFAR-100: ERM, MFW, MFW + DRW), then seeds 1 and 2 of the CIFAR-10 row. Two trainings at a
# time, one thread each, niced so that interactive work on the machine goes first. Run it again after any stop (a
# machine's restart, the end of a working session, Ctrl-C): every training resumes from its last finished epoch, from
# the run folders or, on a fresh clone, from the resume points in bench/results/resume/. A stop (SIGINT/SIGTERM) of the
# first part ends the script there (exit 130/143), so the second does not start in its place.
#
#   nohup bash bench/paper_queue.sh >> ~/mfw-paper-runs/queue.log 2>&1 &     # from a checkout that nothing edits meanwhile
#   bash bench/paper_queue.sh /other/runs/folder
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-$HOME/mfw-paper-runs}"
nice -n 10 python bench/reproduce.py paper paper-weights --jobs 2 --runs-dir "$runs"
nice -n 10 python bench/reproduce.py paper --only cifar10 --seeds 1 2 --jobs 2 --runs-dir "$runs"
