#!/usr/bin/env bash
# algorithm_matrix.sh against OpenSSH 10 (unpacked under .peers/ by scripts/fetch-openssh10, found
# as openssh10.sh finds it): the same cases, each name ending in _openssh10. One SKIP line when
# OpenSSH 10 is not available.
# shellcheck source=tests/interop/lib.sh
. "$(dirname "$0")/lib.sh" "$@"

if ! openssh10_usable; then
	skip algorithm_matrix_openssh10 "$OPENSSH10_SKIP"
	finish
fi

MATRIX_SSH=$SSH10
MATRIX_SSHD=$SSHD10
MATRIX_SSHD_LINES=$(printf '%s\n' "${SSHD10_LINES[@]}")
MATRIX_CASE_SUFFIX=_openssh10
export MATRIX_SSH MATRIX_SSHD MATRIX_SSHD_LINES MATRIX_CASE_SUFFIX
# exec skips lib.sh's exit trap: remove our temp dir first (algorithm_matrix.sh makes its own).
trap - EXIT
_cleanup
exec bash "$INTEROP_DIR/algorithm_matrix.sh" "$@"
