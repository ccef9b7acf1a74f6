/* SPDX-License-Identifier: GPL-2.0 */
/*
 * undo.pml: a Promela model of "fast undo", P(1) and V(1) with undo on a
 * semaphore without a system call, "protocol F" (Documentation/ring.md,
 * "Undo without a system call"): the semaphore's word W holds the value
 * and a tag (slot, delta, seq); each open file
 * description has a slot and a record rec[slot] = {held, seq} in the undo
 * page, which ONLY THE KERNEL writes.  A tag is pending while its slot's
 * record has the seq before the tag's: the slot then holds held + delta.
 * A process's P or V only ever adds its change to its own slot's pending
 * tag, in the one CAS of W that takes or gives the unit (Q1-Q6 below;
 * U1-U5 in ring.md); the kernel records a pending non-zero delta whenever
 * it takes the word (K2), and hands the tag to the caller at the end of
 * its P or V with undo (K5).  Checked with spin by
 * tests/sem-undo-model.test in make check.
 *
 * THE PROTOCOL CHECKED DIFFERS FROM PROTOCOL F AS FIRST SPECIFIED IN K3
 * (the mutant BUG_K3_KEEPS_TAG is F as first specified): when K3 moves
 * slot s's seq on and the word's tag (after K2) is s's, that tag moves on
 * too, to (s, 0, rec[s].seq + 1).  Without it, a section that absorbs and
 * then hands nothing over puts the word back exactly as a thread of s read
 * it before the section, with s's record changed under it: the thread's
 * CAS succeeds, against a record it did not read, and leaves a tag that is
 * not pending, so its change counts nowhere (lost, or, for a V, forged at
 * the release).  Such sections: a V with undo that fails after the absorb
 * (EINVAL, EOVERFLOW, EIDRM: kipc_sem_v() gives the tag only on success),
 * and every KIPC_IOC_SEM_OP with an undo entry (kipc_semop_try() absorbs
 * and never gives the tag), successful ones included.
 *
 * Processes: descriptions A (slot 1) and B (slot 2); A is used by NA
 * threads (2: two folds into one tag race), B by one.  Each thread does
 * NLOOP rounds of P(1) with undo, a critical section, V(1) with undo, each
 * on the fast path or, where Q1, Q3, Q4, Q5 or a failed Q6 say so, in the
 * kernel.  With REUSE, a description C (one thread) asks for a slot once
 * A is released and is given slot 1 (K6).  The kernel is not a process of
 * its own: a thread's system call runs in the thread.  A "Kernel" process
 * stands for the other processes' system calls: MAXSTAT kernel sections
 * that change nothing but what K1, K2 and K7 change (a stat, say), and
 * ERRV failed V's with undo of A or B (by another process sharing the
 * description: K1, K2, K3, K7), at any time; and it releases each
 * description once its threads are gone, by their end or by their death
 * (K1, K2, K4, K7).  A killer kills all the threads of a description at
 * once (kill -9 of a process), MAXCRASH times: anywhere between two of
 * their steps, but not inside one of their kernel sections, which a
 * signal does not interrupt.
 *
 * A process's P (d = +1) or V (d = -1), slot s:
 *   Q1  w = load(W); SLOW -> kernel
 *   Q2  r = load(rec[s])
 *   Q3  the tag of w is not s's, or not pending (r.seq != seq - 1) -> kernel
 *   Q4  delta + d outside DLO..DHI (-8..7) -> kernel
 *   Q5  held = r.held + delta; P: value 0 -> kernel, held UINT32_MAX ->
 *       kernel; V: held 0 -> kernel, value max -> kernel
 *   Q6  CAS(W, w, (value - d) | tag(s, delta + d, seq)); failure: back to
 *       Q1, or (the bounded tries spent) the kernel
 * Three steps: Q1 (a load), Q2-Q5 (a load; the rest is the thread's own
 * arithmetic), Q6 (the CAS).  Nothing else is written by a process.
 *
 * The kernel's section (under the semaphore's lock; while SLOW is in W no
 * process's CAS can succeed):
 *   K1  w = xchg(W, SLOW); the value clamped to the maximum
 *   K2  a pending tag (t, d, k) with d != 0 is recorded: rec[t] =
 *       {held + d, k}, and the tag becomes (t, 0, k + 1); any other tag is
 *       kept (one with slot 0 is dropped: it has nothing to drop here)
 *   the operation: a kernel P with undo adds to kundo; a kernel V with
 *       undo first absorbs (K3): kundo += rec[s].held, rec[s] = {0, seq +
 *       1} (and the fix, above), then checks kundo (EINVAL) and the
 *       maximum (EOVERFLOW) and reduces kundo; a release (K4) posts kundo
 *       + rec[s].held, clamped to max - value, sets rec[s].held = 0, keeps
 *       its seq, frees the slot; a slot given to a new description (K6)
 *       gets held 0, its seq kept
 *   K5  at the end of a P or V with undo that succeeded, and of a slot
 *       request: unless the tag is the caller's and pending, it becomes
 *       (s, 0, rec[s].seq + 1)
 *   K7  W = value | tag; the unlock
 * Two steps: K1 and K2; the rest.  Nothing but the kernel writes a record,
 * and nothing but the kernel writes W while SLOW is in it, so the only
 * state of a section that a process could see and that neither its start
 * nor its end shows is the records between K2 and the operation; the
 * split lets a process's Q2 read them.  A kernel P that finds no unit
 * returns (EAGAIN, no hand-over), and its caller waits until the word
 * shows a unit, then starts again at Q1: the kernel's wait queue is not
 * modelled, so SLOW is in the word only during a section.
 *
 * Variants (spin -a -DNAME): KIMPL, K3 and the release as kmod/kipc_sem.c
 * has them: kipc_sem_absorb() moves held and the seq on only if held is
 * not 0, and the release absorbs too (the specification's K3 always moves
 * the seq on, its K4 keeps it).  SEMOP, a thread's kernel P or V may go
 * through KIPC_IOC_SEM_OP: K3 for a P too, and no K5.
 *
 * Arithmetic: the value is 0..7; held is a u32 taken modulo HM, so that
 * held - 1 from 0 wraps as a u32 does (HM - 1 is UINT32_MAX); seq is taken
 * modulo SEQM, large enough that no bounded run wraps it (asserted: a
 * record's seq moves on when K2 records a fold, at K3 (a kernel V, a
 * failed one, a KIPC_IOC_SEM_OP) and, with KIMPL, at a release; in the
 * configurations of the test, at most 2 NA NLOOP + 2 NLOOP + ERRV + 1
 * times for slot 1, the tag one more).  The word and a record are each
 * packed into one integer, so that a CAS is a comparison of one variable.
 *
 * Bounds (spin -a -DNAME=VALUE):
 *   INIT      the semaphore's initial value (1: a lock)
 *   MAXV      its maximum (INIT + 1: above INIT, so that a unit forged at
 *             a release is not clamped away)
 *   NLOOP     P-V rounds of each thread (1)
 *   NA        threads of description A, 1 or 2 (2)
 *   REUSE     description C, one thread, given slot 1 after A's release (0)
 *   SLOTREQ   A and B ask for their slots first (KIPC_IOC_SEM_UNDO_SLOT:
 *             K5), so that their first P may fold (0: it goes to the
 *             kernel, whose K5 gives them the tag)
 *   MAXCRASH  descriptions killed (1)
 *   MAXSTAT   kernel sections of other processes (2)
 *   ERRV      failed kernel V's with undo of A or B (0)
 *   DLO, DHI  the delta's range (-8, 7; narrower, Q4's fallback happens)
 *
 * Assertions:
 *   (a) mutual exclusion: at most INIT living threads between their P and
 *       their V (1 with INIT 1);
 *   (b) the value never above MAXV; an honest kernel V with undo never
 *       fails with EINVAL (kundo < 1 after K3) nor EOVERFLOW;
 *   (c) protocol F's claim: a Q6 CAS succeeds only if the thread's slot's
 *       record is still what the thread read at Q2 (r, kept as a ghost);
 *   (d) exactly once: at a release, kundo + held (+ the delta of the
 *       slot's tag if it is pending: K2 has made it 0) is the units the
 *       description took and has not given back, a ghost count kept at
 *       each P's and V's linearisation point (Q6, or the kernel's
 *       section): nothing lost, nothing forged;
 *   (e) at the end, the value is INIT, every held and kundo is 0;
 *   (f) spin's invalid-end-state check: a P waiting for a unit that is
 *       never given back is a wedge.
 *
 * Mutants: each must make spin report an error.
 *   BUG_K3_KEEPS_TAG        protocol F as specified: K3 leaves the word's
 *                           tag of its slot as it was (fails with ERRV, or
 *                           with SEMOP)
 *   BUG_K2_KEEPS_SEQ        K2 records a pending tag and leaves the word
 *                           as it was (the fold protocol's kernel section)
 *   BUG_K3_NO_SEQ           K3 absorbs without moving the seq on (the
 *                           first specification's K3)
 *   BUG_HANDOVER_NO_RECORD  no K2 in a thread's kernel P or V: K5 replaces
 *                           another slot's pending non-zero tag
 *   BUG_RELEASE_NO_RECORD   no K2 in a release: it posts kundo + held only
 *   BUG_USER_RECORDS        the fold protocol's help: a process that finds
 *                           another slot's tag records it if it is
 *                           pending (a CAS of the record) and puts its own
 *                           tag, (s, d, r.seq + 1), in the word itself
 * Two that cannot fail (equivalent mutants, checked to pass):
 *   BUG_NO_PENDING_CHECK    Q3 folds into its slot's tag without checking
 *                           that it is pending.  With K3 as checked here,
 *                           a tag of a slot that has a holder is pending
 *                           whenever the word is not SLOW (K2 leaves
 *                           recorded tags pending, K3 and K5 make them so,
 *                           K4 and K6 keep the seq, a fold keeps it): a
 *                           thread whose record read is newer than its
 *                           word read fails Q3's seq check, but the word
 *                           it read never comes back, so its CAS would
 *                           fail anyway.  (Against F as specified it fails,
 *                           as F does.)
 *   BUG_RELEASE_RESETS_SEQ  the release resets the slot's seq to 0.  Only
 *                           a thread of the released description could
 *                           hold a word read with the old seqs, and none
 *                           is left; the word's tag of the slot, if any,
 *                           has delta 0 (K2 of the release), and the slot's
 *                           next holder gets the tag at K6 (K5).
 */

/* Coverage: COVER(n) records that event n happened, outside the state
 * vector (it changes no state and stores none); pan prints the events
 * reached when it exits: "covered: 1 2 3 ...".  tests/sem-undo-model.test
 * names them. */
c_decl {
	static unsigned long covered_events;
	static int covered_registered;
	static void covered_print(void)
	{
		int n;

		printf("covered:");
		for (n = 1; n < 64; n++)
			if (covered_events & (1UL << n))
				printf(" %d", n);
		printf("\n");
	}
}
#define COVER(n)	c_code { covered_events |= 1UL << (n); }

#ifndef INIT
#define INIT		1
#endif
#ifndef MAXV
#define MAXV		(INIT + 1)
#endif
#ifndef NLOOP
#define NLOOP		1
#endif
#ifndef NA
#define NA		2
#endif
#ifndef REUSE
#define REUSE		0
#endif
#ifndef MAXCRASH
#define MAXCRASH	1
#endif
#ifndef MAXSTAT
#define MAXSTAT		2
#endif
#ifndef ERRV
#define ERRV		0
#endif
#ifndef SLOTREQ
#define SLOTREQ		0
#endif
#ifndef DLO
#define DLO		(-8)
#endif
#ifndef DHI
#define DHI		7
#endif
#if MAXV > 7 || INIT > MAXV || INIT < 1 || NA < 1 || NA > 2
#error "0 < INIT <= MAXV <= 7, NA 1 or 2"
#endif
#if DLO < -8 || DLO > -1 || DHI < 1 || DHI > 7
#error "-8 <= DLO <= -1, 1 <= DHI <= 7"
#endif

/*
 * The word W: value (bits 0-2), the tag: slot (3-4; 0 no tag), delta
 * (5-8: delta + 8, -8..7), seq (9-12); SLOW (13).
 */
#define SEQM		16
#define VAL(w)		((w) & 7)
#define TSLOT(w)	(((w) >> 3) & 3)
#define TDEL(w)		((((w) >> 5) & 15) - 8)
#define TSEQ(w)		(((w) >> 9) & 15)
#define TAG(s, dl, q)	(((s) << 3) | (((dl) + 8) << 5) | ((q) << 9))
#define TAGBITS		8184
#define NOSEQ		511	/* the value, slot and delta bits */
#define SLOW		8192
#define NEXT(q)		(((q) + 1) % SEQM)
#define PREV(q)		(((q) + SEQM - 1) % SEQM)

/* A record: held (bits 0-3, modulo HM), seq (4-7). */
#define HM		16
#define HELD(r)		((r) & 15)
#define RSEQ(r)		((r) >> 4)
#define REC(h, q)	((h) | ((q) << 4))
#define ADD(h, x)	(((h) + HM + (x)) % HM)

/* The tag of word w is pending: its slot's record has the seq before. */
#define PENDING(w)	(TSLOT(w) != 0 && RSEQ(rec[TSLOT(w)]) == PREV(TSEQ(w)))

/* descriptions: A 0 (slot 1), B 1 (slot 2), C 2 (slot 1 after A) */
#define ND		3
#define KME		9	/* the kernel process's lock owner id */

/* ---- the mapping ---- */
short W;
byte rec[3];		/* rec[0] is never given */

/* ---- the kernel's own state, under klock ---- */
byte klock;		/* 0, or the holder's id */
byte kundo[ND];

/* ---- ghost state, for the assertions only ---- */
byte owed[ND];		/* units taken with undo and not given back */
byte inside;		/* living threads between their P and their V */
byte crashes;
bool killed[ND];
byte gone[ND];		/* threads finished or killed */
bool released[ND];

#define NTHR(d)		((d) == 0 -> NA : 1)
#define ALLDONE		(released[0] && released[1] && (!REUSE || released[2]))

/* A new seq: no bounded run wraps it. */
#define SEQ_OK(q)	assert((q) != 0)

/* Sections of kind KS_STAT, KS_UNDO (a thread's P or V with undo),
 * KS_REL (a release), KS_SLOT (a slot request), KS_FAILV (ERRV's failed
 * V): K2 left out by a mutant. */
#define KS_STAT		0
#define KS_UNDO		1
#define KS_REL		2
#define KS_SLOT		3
#define KS_FAILV	4
#if defined(BUG_HANDOVER_NO_RECORD)
#define NOK2(kind)	((kind) == KS_UNDO)
#elif defined(BUG_RELEASE_NO_RECORD)
#define NOK2(kind)	((kind) == KS_REL)
#else
#define NOK2(kind)	0
#endif

/* Q3: fold only into this slot's own pending tag. */
#ifdef BUG_NO_PENDING_CHECK
#define NOTMINE(w, r)	(TSLOT(w) != s)
#else
#define NOTMINE(w, r)	(TSLOT(w) != s || RSEQ(r) != PREV(TSEQ(w)))
#endif

/* ---- the kernel (its inlines use the caller's kw, kv) ---- */

/*
 * K1 and K2, one step (a process cannot tell them apart: K1 changes no
 * record, and W is SLOW from K1 on).  K1: the lock, SLOW swapped into the
 * word (xchg), the value clamped to the maximum.  K2: a pending tag with
 * a non-zero delta is recorded in its slot's record, and the tag becomes
 * the slot's next seq with delta 0: pending, so its slot may go on
 * folding, and no word read before can come back.
 */
inline k12(who, kind, cov)
{
	klock == 0 ->
	klock = who;
	kw = W;
	W = SLOW;
	kv = VAL(kw);
	if
	:: kv > MAXV -> kv = MAXV
	:: else
	fi;
	if
	:: TSLOT(kw) != 0 && TDEL(kw) != 0 && PENDING(kw) && !NOK2(kind) ->
		rec[TSLOT(kw)] = REC(ADD(HELD(rec[TSLOT(kw)]), TDEL(kw)),
				     TSEQ(kw));
#ifndef BUG_K2_KEEPS_SEQ
		SEQ_OK(NEXT(TSEQ(kw)));
		kw = (kw & ~TAGBITS) | TAG(TSLOT(kw), 0, NEXT(TSEQ(kw)));
#endif
		if
		:: cov == 1 -> COVER(1)
		:: else -> COVER(2)
		fi
	:: else
	fi
}

/*
 * K5: the hand-over to slot sl.  Its own pending tag stays (K2 made its
 * delta 0); any other is replaced by (sl, 0, rec[sl].seq + 1): another
 * slot's pending tag has delta 0 after K2 (nothing lost), a tag not
 * pending counts for nothing.
 */
inline k5(sl)
{
	if
	:: TSLOT(kw) == sl && PENDING(kw) -> COVER(21)
	:: else ->
		if
		:: TSLOT(kw) != 0 && TSLOT(kw) != sl && PENDING(kw) &&
		   TDEL(kw) == 0 -> COVER(19)
		:: else
		fi;
		SEQ_OK(NEXT(RSEQ(rec[sl])));
		kw = (kw & ~TAGBITS) | TAG(sl, 0, NEXT(RSEQ(rec[sl])))
	fi
}

/* K7: the word back (SLOW out: no waiter, no poller is modelled); the
 * unlock, last: a killed thread's escape (unless) may run at once. */
inline k7()
{
	assert(kv <= MAXV);
	W = kv | (kw & TAGBITS);
	kw = 0;
	kv = 0;
	klock = 0
}

/*
 * K3: slot sl's held moves into description dd's kundo, and the slot's
 * seq moves on, so that no V prepared against the held it read can CAS.
 * The fix: if the word's tag (the kernel's copy, after K2) is sl's, it
 * moves on with the record, to (sl, 0, rec[sl].seq + 1), pending: else a
 * section that hands nothing over at its end (a failed V, a
 * KIPC_IOC_SEM_OP) puts back the very word a thread of sl read before it
 * (BUG_K3_KEEPS_TAG).
 */
inline k3(dd, sl)
{
#ifdef KIMPL
	if
	:: HELD(rec[sl]) != 0 ->
#endif
		if
		:: HELD(rec[sl]) != 0 -> COVER(5)
		:: else
		fi;
		kundo[dd] = kundo[dd] + HELD(rec[sl]);
#ifndef BUG_K3_NO_SEQ
		SEQ_OK(NEXT(RSEQ(rec[sl])));
		rec[sl] = REC(0, NEXT(RSEQ(rec[sl])));
#else
		rec[sl] = REC(0, RSEQ(rec[sl]));
#endif
#ifndef BUG_K3_KEEPS_TAG
		/* the fix: the slot's tag in the word moves on too */
		if
		:: TSLOT(kw) == sl ->
			SEQ_OK(NEXT(RSEQ(rec[sl])));
			kw = (kw & ~TAGBITS) | TAG(sl, 0, NEXT(RSEQ(rec[sl])));
			COVER(27)
		:: else
		fi
#else
		skip
#endif
#ifdef KIMPL
	:: else
	fi
#endif
}

/* ---- the threads ---- */

/* A P or V done at its Q6: the ghost count, at the CAS. */
inline folded()
{
	owed[d] = owed[d] + dd;
	inside = inside + dd;
	incs = (dd == 1);
	assert(inside <= INIT);
	w = 0;
	r = 0
}

proctype Thread(byte me; byte d; byte s)
{
	short w, kw;
	byte r, kv, n;
	int dd;		/* +1: P, -1: V */
	bit incs;	/* between P and V */
	bit semop;	/* this kernel P or V through KIPC_IOC_SEM_OP */

	{
	/*
	 * KIPC_IOC_SEM_UNDO_SLOT (with SLOTREQ, by the first thread of A and
	 * of B; always by C, once A's slot is free): K1, K2, K6 (C: the slot
	 * was A's), K5, K7.  Without it a description's first P goes to the
	 * kernel (the tag is not its slot's), whose K5 gives it the tag.
	 */
	if
	:: d == 2 || (SLOTREQ && (me == 1 || me == 3)) ->
		(d != 2 || released[0]);
		atomic { k12(me, KS_SLOT, 1) };
		atomic {
			if
			:: d == 2 -> rec[s] = REC(0, RSEQ(rec[s])); COVER(23)
			:: else
			fi;
			k5(s);
			k7()
		}
	:: else
	fi;
	do
	:: n < NLOOP ->
		dd = 1;
		/* ---- P(1) with undo, then V(1) with undo ---- */
Q1:		atomic {
			w = W;
			if
			:: (w & SLOW) ->
				if
				:: dd == 1 -> COVER(7)
				:: else -> COVER(11)
				fi;
				w = 0;
				goto KER
			:: else
			fi
		};
#ifdef BUG_USER_RECORDS
		/* the fold protocol's help: another slot's pending tag
		 * recorded by the process (load and CAS of the record, one
		 * step), and its own tag put in the word */
		if
		:: TSLOT(w) != s ->
			atomic {
				if
				:: TSLOT(w) != 0 && TDEL(w) != 0 && PENDING(w) ->
					rec[TSLOT(w)] =
					    REC(ADD(HELD(rec[TSLOT(w)]), TDEL(w)),
						TSEQ(w))
				:: else
				fi
			};
			atomic {
				r = rec[s];
				if
				:: dd == 1 && VAL(w) < 1 -> w = 0; r = 0; goto KER
				:: dd == -1 && (HELD(r) == 0 || VAL(w) + 1 > MAXV) ->
					w = 0; r = 0; goto KER
				:: else
				fi
			};
			atomic {
				if
				:: W == w ->
					assert(rec[s] == r);
					W = (VAL(w) - dd) | TAG(s, dd, NEXT(RSEQ(r)));
					folded();
					goto NEXTOP
				:: else -> w = 0; r = 0; goto Q1
				fi
			}
		:: else
		fi;
#endif
		/* Q2 and the checks Q3-Q5 */
		atomic {
			r = rec[s];
			if
			:: NOTMINE(w, r) ->
				if
				:: TSLOT(w) == s -> COVER(25)
				:: else
				fi;
				if
				:: dd == 1 -> COVER(8)
				:: else -> COVER(12)
				fi;
				w = 0;
				r = 0;
				goto KER
			:: else
			fi;
			if
			:: TDEL(w) + dd < DLO || TDEL(w) + dd > DHI ->
				/* (an event if Q5 would have let it fold) */
				if
				:: (dd == 1 && VAL(w) >= 1) ||
				   (dd == -1 && ADD(HELD(r), TDEL(w)) != 0) ->
					COVER(14)
				:: else
				fi;
				w = 0;
				r = 0;
				goto KER
			:: else
			fi;
			if
			:: dd == 1 && (VAL(w) < 1 ||
				       ADD(HELD(r), TDEL(w)) == HM - 1) ->
				if
				:: VAL(w) < 1 -> COVER(9)
				:: else
				fi;
				w = 0;
				r = 0;
				goto KER
			:: dd == -1 && (ADD(HELD(r), TDEL(w)) == 0 ||
					VAL(w) + 1 > MAXV) ->
				if
				:: ADD(HELD(r), TDEL(w)) == 0 -> COVER(13)
				:: else
				fi;
				w = 0;
				r = 0;
				goto KER
			:: else
			fi
		};
		/* Q6: the value and the change to the tag in one CAS */
		atomic {
			if
			:: W == w ->
				/* protocol F's claim */
				assert(rec[s] == r);
				W = (VAL(w) - dd) | TAG(s, TDEL(w) + dd, TSEQ(w));
				COVER(17);
				if
				:: TDEL(w) != 0 -> COVER(18)
				:: else
				fi;
				if
				:: d == 2 && dd == 1 -> COVER(22)
				:: else
				fi;
				folded();
				goto NEXTOP
			:: else ->
				COVER(15);
				if
				:: (W & (SLOW | NOSEQ)) == (w & NOSEQ) &&
				   TSEQ(W) != TSEQ(w) -> COVER(16)
				:: else
				fi;
				w = 0;
				r = 0;
				if
				:: goto Q1
				:: COVER(26); goto KER
				fi
			fi
		};
KER:		/* a P or V with undo in the kernel */
		atomic { k12(me, KS_UNDO, 1) };
		atomic {
#ifdef SEMOP
			/* or through KIPC_IOC_SEM_OP: K3 for a P too, and no
			 * hand-over (kmod/kipc_sem.c, kipc_semop_try()) */
			if
			:: semop = 1
			:: skip
			fi;
			if
			:: semop && dd == 1 -> k3(d, s)
			:: else
			fi;
#endif
			if
			:: dd == 1 ->
				if
				:: kv >= 1 ->
					kv--;
					kundo[d]++;
					owed[d]++;
					inside++;
					incs = 1;
					assert(inside <= INIT);
					if
					:: !semop -> k5(s)
					:: else
					fi
				:: else -> COVER(10)
				fi
			:: else ->
				k3(d, s);
				assert(kundo[d] >= 1);		/* no EINVAL */
				kundo[d]--;
				assert(kv + 1 <= MAXV);		/* no EOVERFLOW */
				kv++;
				owed[d]--;
				inside--;
				incs = 0;
				if
				:: !semop -> k5(s); COVER(20)
				:: else
				fi
			fi;
			if
			:: semop -> COVER(28)
			:: else
			fi;
			semop = 0;
			k7()
		};
		if
		:: dd == 1 && !incs ->
			/* no unit: wait until the word shows one */
			(VAL(W) >= 1);
			goto Q1
		:: else -> goto NEXTOP
		fi;
NEXTOP:		if
		:: dd == 1 ->
			/* ---- the critical section ---- */
			dd = -1;
			goto Q1
		:: else -> n++
		fi
	:: else -> break
	od;
	gone[d]++
	} unless {
		/* killed: at once, between any two steps, not inside a
		 * kernel section */
		atomic {
			killed[d] && klock != me ->
			if
			:: w != 0 -> COVER(3)
			:: else
			fi;
			if
			:: incs -> inside--; COVER(4)
			:: else
			fi;
			gone[d]++;
			w = 0; r = 0; kw = 0; kv = 0; n = 0; dd = 0; incs = 0;
			semop = 0
		}
	}
}

/*
 * The release of description d (its last close, or its threads' death):
 * K1, K2 (the tag of its last operation may be pending: K2 records it),
 * then K4: kundo plus the slot's held posted back, clamped to the maximum
 * (nobody waits: no grant), the slot's held 0, its seq kept, the slot
 * free; the word's tag as it is; K7.
 */
inline release()
{
	atomic {
		s = (d == 1 -> 2 : 1);
#ifdef KIMPL
		/* kipc_sem_release_handle(): kipc_sem_absorb() first */
		k3(d, s);
#endif
		pd = ((TSLOT(kw) == s && PENDING(kw)) -> TDEL(kw) : 0);
		/* exactly what was taken and not given back: nothing lost,
		 * nothing forged */
		assert((kundo[d] + HELD(rec[s]) + pd + HM) % HM == owed[d] % HM);
		kt = kundo[d] + HELD(rec[s]);
		if
		:: kt > MAXV - kv -> kt = MAXV - kv
		:: else
		fi;
		if
		:: kt > 0 -> COVER(6)
		:: else
		fi;
		kv = kv + kt;
#ifdef BUG_RELEASE_RESETS_SEQ
		rec[s] = REC(0, 0);
#else
		rec[s] = REC(0, RSEQ(rec[s]));
#endif
		kundo[d] = 0;
		owed[d] = 0;
		kt = 0;
		pd = 0;
		s = 0;
		k7();
		/* the slot is free: a new description may be given it */
		released[d] = 1;
		d = 0
	}
}

/*
 * ERRV: a V with undo by description d (by another process sharing it)
 * that fails after K3 (EINVAL: more than d holds; or EOVERFLOW) and hands
 * nothing over, as kipc_sem_v() does; or a KIPC_IOC_SEM_OP with an undo
 * entry, which absorbs and never hands over.  K1 and K2 (with the
 * choice, in Kernel), K3, K7.
 */
inline failedv()
{
	atomic {
		s = (d == 1 -> 2 : 1);
		if
		:: TSLOT(kw) == s && HELD(rec[s]) != 0 -> COVER(24)
		:: else
		fi;
		k3(d, s);
		s = 0;
		d = 0;
		k7()
	}
}

/*
 * The other processes' kernel sections (MAXSTAT of them: K1, K2, K7, a
 * stat say), ERRV failed V's with undo, and the releases.
 */
proctype Kernel()
{
	short kw;
	byte kv, kt, d, s, nstat, nerr;
	int pd;

	/* the choice and K1 are one step: a section chosen but waiting for
	 * the lock would only add states */
	do
	:: atomic { nstat < MAXSTAT && !ALLDONE && klock == 0 ->
		    nstat++; k12(KME, KS_STAT, 1) };
		atomic { k7() }
#if ERRV
	:: atomic { nerr < ERRV && !released[0] && klock == 0 ->
		    nerr++; d = 0; k12(KME, KS_FAILV, 1) };
		failedv()
	:: atomic { nerr < ERRV && !released[1] && klock == 0 ->
		    nerr++; d = 1; k12(KME, KS_FAILV, 1) };
		failedv()
#endif
	:: atomic { !released[0] && gone[0] == NTHR(0) && klock == 0 ->
		    d = 0; k12(KME, KS_REL, 2) };
		release()
	:: atomic { !released[1] && gone[1] == NTHR(1) && klock == 0 ->
		    d = 1; k12(KME, KS_REL, 2) };
		release()
	:: atomic { REUSE && released[0] && !released[2] &&
		    gone[2] == NTHR(2) && klock == 0 ->
		    d = 2; k12(KME, KS_REL, 2) };
		release()
	:: ALLDONE -> break
	od
}

/* Kill all the threads of a description at once, MAXCRASH times. */
proctype Killer()
{
	do
	:: atomic { crashes < MAXCRASH && !killed[0] && gone[0] < NTHR(0) ->
		    killed[0] = 1; crashes++ }
	:: atomic { crashes < MAXCRASH && !killed[1] && gone[1] < NTHR(1) ->
		    killed[1] = 1; crashes++ }
	:: atomic { REUSE && crashes < MAXCRASH && !killed[2] &&
		    gone[2] < NTHR(2) -> killed[2] = 1; crashes++ }
	:: ALLDONE -> break
	od
}

init
{
	c_code {
		if (!covered_registered) {
			covered_registered = 1;
			atexit(covered_print);
		}
	};
	atomic {
		W = INIT;
		run Kernel();
#if MAXCRASH > 0
		run Killer();
#endif
		run Thread(1, 0, 1);
#if NA > 1
		run Thread(2, 0, 1);
#endif
		run Thread(3, 1, 2);
#if REUSE
		run Thread(4, 2, 1)
#endif
	};
	(_nr_pr == 1);
	/* every unit back, no record left holding any */
	assert(VAL(W) == INIT && (W & SLOW) == 0);
	assert(HELD(rec[1]) == 0 && HELD(rec[2]) == 0);
	assert(kundo[0] == 0 && kundo[1] == 0 && kundo[2] == 0);
	assert(inside == 0)
}
