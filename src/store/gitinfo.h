/*
 * gitinfo.h - where a run's code came from: commit sha, branch and whether
 * the work tree had uncommitted changes.
 *
 * CI variables win when present (the checkout there is often a detached
 * HEAD): GitHub Actions GITHUB_SHA and GITHUB_HEAD_REF (pull requests) or
 * GITHUB_REF_NAME; GitLab CI_COMMIT_SHA and CI_COMMIT_REF_NAME; the generic
 * HOTPATH_GIT_SHA / HOTPATH_GIT_BRANCH override both.  Otherwise `git` is
 * run (fork/exec with an argv, never a shell) in the current folder.  Not
 * being in a git repository is not an error: the fields stay empty.
 *
 * Ownership: struct hp_gitinfo holds fixed arrays, nothing to free.
 */
#ifndef HP_STORE_GITINFO_H
#define HP_STORE_GITINFO_H

#include <stdbool.h>

struct hp_gitinfo {
	char sha[65];
	char branch[256];
	bool dirty;
};

void hp_gitinfo_get(struct hp_gitinfo *g);

#endif
