/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ring.pml: a Promela model of the shared-ring protocol of
 * Documentation/ring.md (sections 4 to 6), checked with spin by
 * tests/ring-model.test in make check.  What is modelled, what is
 * abstracted, the bounds and what each assertion means: ring.md, section
 * "The model".
 *
 * Processes: 2 producers and 2 consumers run the fast operations S1-S9
 * and R1-R8, each numbered step one atomic action at most, and go to the
 * kernel where ring.md says "-> kernel".  The kernel is not a process: a
 * system call runs the kernel's code in the caller, under one mutex
 * (klock): enter (E1-E5), the operation, leave (L1).  A process may die
 * after its intent store, before any later step of its fast operation;
 * its exit then releases its handle, in the kernel.
 *
 * Bounds (spin -a -DNAME=VALUE):
 *   NSLOTS, CAP   ring geometry (4, 2)
 *   NM, NM1       messages of producer 0 and of producer 1 (2, 2)
 *   MAXCRASH      deaths per run (1)
 *   MAXGIVEUP     abandoned waits per run: a signal, a deadline or a
 *                 non-blocking call ends a kernel wait early (1)
 *   GIVEUPS       which waits may be abandoned: 1 E4, 2 a wait for a slot,
 *                 4 a kick before it ran (7)
 * Mutants: each must make spin report an error.
 *   BUG_NO_SLOW_CHECK     the fast receive ignores SLOW (R1)
 *   BUG_NO_RECOVERY       the kernel never recovers a dead claimant's
 *                         position or slot (section 6)
 *   BUG_INTENT_AFTER_CAS  the intent is stored after the claim (S4 after S5)
 *   BUG_FAST_WITH_WAITERS leave returns to fast mode with a blocked receiver
 *   BUG_NO_RECHECK        recovery acts on the seq it read before it read
 *                         the lanes
 *   BUG_STALE_INTENT      ring.md as first written: a failed claim (S5, R4)
 *                         leaves its intent in the lane
 *   BUG_LOST_AND_RECEIVED ring.md as first written: recovering a dead
 *                         receiver's slot counts it lost, and E3 counted it
 *                         received
 *   BUG_L1_TAIL           ring.md as first written: leave stores
 *                         prod = tail | SLOW although an abandoned E4 left
 *                         claimed positions [tail, P) not indexed
 */

/* Coverage: COVER(n) records that event n happened, outside the state
 * vector (it changes no state and stores none); pan prints the events
 * reached when it exits: "covered: 1 2 3 ...".  tests/ring-model.test
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

#ifndef NSLOTS
#define NSLOTS		4
#endif
#ifndef CAP
#define CAP		2
#endif
#ifndef NM
#define NM		2	/* messages of producer 0 */
#endif
#ifndef NM1
#define NM1		NM	/* messages of producer 1 (at most NM) */
#endif
#ifndef MAXCRASH
#define MAXCRASH	1
#endif
#ifndef MAXGIVEUP
#define MAXGIVEUP	1
#endif
#ifndef GIVEUPS
#define GIVEUPS		7	/* where: 1 E4, 2 a wait for a slot, 4 a kick */
#endif

#define NP		2	/* producers: lanes 0 and 1 */
#define NC		2	/* consumers: lanes 2 and 3 */
#define NMSG		(NM + NM1)	/* messages 1..NMSG; 0 is none */
#if NMSG > 7 || NM1 > NM
#error "messages and positions are bits of a byte: NM + NM1 <= 7, NM1 <= NM"
#endif

/* prod and cons: position | SLOW (positions stay far below 64) */
#define SLOW		64
#define POSM		63
/* a lane's intent: SEND | p or RECV | p (p < 16), or 0 */
#define SEND		32
#define RECV		16
#define IPOS		15

/* the kernel's state of an occupied position, in [khead, ktail) */
#define LIVE		1
#define RES		2	/* handed to a blocked receiver */
#define TOMB		3

/* a blocked receiver (rst) or sender (sst) */
#define WAIT		1
#define DONE		2
#define ENDST		3	/* receiver: end of file; sender: EPIPE */

/* system calls */
#define KSEND		1	/* send m */
#define KRECV		2	/* receive, selector any, blocking */
#define KTAKE		3	/* a woken receiver takes the message handed to it */
#define KKICK		4	/* KIPC_IOC_RING_KICK */
#define KCLOSE		5	/* close(2) of the handle */
#define KREL		6	/* the release of a dead process's handle */

/* results (r) */
#define QUEUED		1	/* blocked: wait for rst/sst */
#define GOT		2
#define RETRY		3	/* a wait was abandoned: EINTR, EAGAIN */
#define ENDED		4	/* EOF (receiver), EPIPE (sender) */
#define NONE		5

/* ---- the mapping ---- */
byte prod, cons;
byte seq[NSLOTS];
byte sval[NSLOTS];	/* the slot's payload: a message number */
byte intent[NP + NC];
bool alive[NP + NC];

/* ---- the kernel's own state, under klock ---- */
byte klock;		/* 0, or the holder's lane + 1 */
byte khead, ktail;	/* indexed positions [khead, ktail) */
byte kprod;		/* claimed positions: [ktail, kprod) not indexed yet */
byte kst[NSLOTS];
byte kocc;		/* LIVE and RES positions */
byte rq[NC];		/* blocked receivers, in arrival order */
byte rn;
byte rst[NC];
byte rpos[NC];
byte sq[NP];		/* blocked senders, in arrival order */
byte sn;
byte sst[NP];
byte sbuf[NP];		/* a blocked sender's message (its bounce buffer) */
byte writers, readers;	/* pipe mode */
byte ksent, krecv, klost;	/* the kernel's counters */

/* ---- ghost state, for the assertions only ---- */
byte sent, recvd, crashes, giveups;
byte eofs;		/* receivers that saw the end of file */
byte rmask;		/* bit m: message m was received */
byte nextk[NP];		/* the next message number claimed, per producer */
byte nextclaim;		/* claims are in position order */
byte owed[NC];		/* bit m: m was published while this receiver was
			 * blocked in the kernel */
byte pubpos;		/* bit p: position p was published */
byte recvpos;		/* bit p: the receive of position p completed */

#define LIVEINT(x) ((alive[0] && intent[0] == (x)) || \
		    (alive[1] && intent[1] == (x)) || \
		    (alive[2] && intent[2] == (x)) || \
		    (alive[3] && intent[3] == (x)))

/*
 * Recovery (section 6) reads the lanes, then seq again: a claimant can do
 * its step (publish, free the slot) and die at once after, its intent
 * still in its dead lane; a value of seq read before the lanes would make
 * the kernel recover what was done.  The guard that starts a recovery is
 * "seq says not done, and no living lane claims the position"; a separate
 * step reads seq again and acts only if it still says not done.
 * BUG_NO_RECHECK: the guard reads seq only, the next step reads the lanes
 * and acts on the first read of seq.
 */
#ifdef BUG_NO_RECHECK
#define NOBODY(x)	true
#define STILL(cond, x)	(!LIVEINT(x))
#else
#define NOBODY(x)	(!LIVEINT(x))
#define STILL(cond, x)	(cond)
#endif

/* A process may die after its intent store, before any later step of its
 * fast operation: its lane is dead at once (ring.md section 6), and its
 * exit releases its handle (KREL). */
#if MAXCRASH > 0
#define CRASHABLE(act) \
	if \
	:: atomic { crashes < MAXCRASH -> crashes++; alive[L] = false }; \
	   goto died \
	:: act \
	fi
#else
#define CRASHABLE(act) act
#endif

/* ---- the assertions' bookkeeping ---- */

/* Receiver X (0..NC-1) claims message mm at position pp: a successful R4,
 * a kernel receive, or (ho) a handoff to X blocked in the kernel. */
inline claim(X, pp, mm, ho)
{
	/* a message that was sent; claims in position order (FIFO) */
	assert((mm) >= 1 && (mm) <= NMSG);
	assert((pp) >= nextclaim);
	nextclaim = (pp) + 1;
	/* each producer's messages in its order, none skipped */
	assert(((mm) - 1) % NM == nextk[((mm) - 1) / NM]);
	nextk[((mm) - 1) / NM]++;
	/* FIFO handoff: nobody else takes a message published after a
	 * receiver still blocked in the kernel was queued */
	assert((ho) || (owed[1 - (X)] & (1 << (mm))) == 0)
}

/* message mm is published at position pp: blocked receivers are owed it */
inline published(mm, pp)
{
	pubpos = pubpos | (1 << (pp));
	if
	:: rst[0] == WAIT -> owed[0] = owed[0] | (1 << (mm))
	:: else
	fi;
	if
	:: rst[1] == WAIT -> owed[1] = owed[1] | (1 << (mm))
	:: else
	fi
}

/* the receive of message mm at position pp is complete (its slot is
 * freed) */
inline commit(mm, pp)
{
	assert((rmask & (1 << (mm))) == 0);	/* at most once */
	rmask = rmask | (1 << (mm));
	recvpos = recvpos | (1 << (pp));
	recvd++
}

/* A system call, as a subroutine of the process (one copy of the kernel's
 * code per process type, at Ksys): operation o, then back to Kret<n>.  Its
 * first step is here: take the mutex and set SLOW in prod (E1), or, for a
 * kick, be interrupted before anything happened. */
#define SYSCALL(o, n) \
	atomic { \
		if \
		:: klock == 0 -> \
			klock = L + 1; \
			kop = o; \
			kret = n; \
			if \
			:: o != KTAKE -> prod = prod | SLOW \
			:: else -> ks = 1 /* SLOW stayed set since it queued */ \
			fi \
		:: o == KKICK && (GIVEUPS & 4) && giveups < MAXGIVEUP -> \
			/* a kick interrupted before it ran */ \
			giveups++; \
			COVER(20); \
			ks = 5; \
			kop = o; \
			kret = n \
		fi \
	}; \
	goto Ksys; \
Kret##n:

/* the kernel's code, and the return to the caller */
#define KERNEL(me) \
Ksys:	syscall(kop, me, (kop < KCLOSE))

/* the return, at the end of the system call's last atomic step */
#define RETURN \
	if \
	:: kret == 1 -> kret = 0; kop = 0; goto Kret1 \
	:: kret == 2 -> kret = 0; kop = 0; goto Kret2 \
	:: kret == 3 -> kret = 0; kop = 0; goto Kret3 \
	:: kret == 4 -> kret = 0; kop = 0; goto Kret4 \
	:: kret == 5 -> kret = 0; kop = 0; goto Kret5 \
	fi

/* ---- the kernel ---- */

/* head never rests on a tombstone: pass them, freeing their slots */
inline advance()
{
	do
	:: khead < ktail && kst[khead % NSLOTS] == TOMB ->
		kst[khead % NSLOTS] = 0;
		sval[khead % NSLOTS] = 0;
		seq[khead % NSLOTS] = khead + NSLOTS;
		khead++
	:: else -> break
	od
}

/* the kernel takes the message at pp for a receiver, copies it out, frees
 * what it can */
inline take(pp)
{
	commit(sval[(pp) % NSLOTS], pp);
	krecv++;
	kst[(pp) % NSLOTS] = TOMB;
	kocc--;
	advance()
}

/* a published position pp becomes the kernel's message: it goes to the
 * earliest blocked receiver, or is queued */
inline index(pp)
{
	if
	:: rn > 0 ->
		kx = rq[0];
		claim(kx, pp, sval[(pp) % NSLOTS], 1);
		rst[kx] = DONE;
		rpos[kx] = (pp);
		owed[kx] = 0;
		kst[(pp) % NSLOTS] = RES;
		rq[0] = rq[1];
		rq[1] = 0;
		rn--;
		kx = 0
	:: else ->
		kst[(pp) % NSLOTS] = LIVE
	fi;
	kocc++
}

/* E4: each claimed position [ktail, kprod), in order: wait until it is
 * published and index it.  Sets kx = 1 when no living lane claims the
 * position (its claimant died): seq is read again, then, by recheck_send.
 * Sets gave when the wait is abandoned (mayfail). */
inline e4(mayfail)
{
	do
	:: ktail < kprod && seq[ktail % NSLOTS] == ktail + 1 ->
		ksent++;
		/* a receiver blocks only after its own E4 indexed every
		 * claimed position, and nothing is claimed while it waits:
		 * what E4 indexes never finds a blocked receiver (the
		 * mutant that breaks this goes on to show assertion (c)) */
#ifndef BUG_FAST_WITH_WAITERS
		assert(rn == 0);
#endif
		index(ktail);
		ktail++
	:: ktail < kprod && mayfail && seq[ktail % NSLOTS] != ktail + 1 &&
	   (GIVEUPS & 1) && giveups < MAXGIVEUP ->
		giveups++;
		gave = 1;
		COVER(12);
		break
#ifndef BUG_NO_RECOVERY
	:: ktail < kprod && seq[ktail % NSLOTS] != ktail + 1 &&
	   NOBODY(SEND | ktail) ->
		kx = 1;
		break
#endif
	:: ktail >= kprod -> break
	od
}

inline recheck_send()
{
	if
	:: STILL(seq[ktail % NSLOTS] != ktail + 1, SEND | ktail) ->
		COVER(9);
		/* a tombstone only where nothing was published */
		assert((pubpos & (1 << ktail)) == 0);
		kst[ktail % NSLOTS] = TOMB;
		ksent++;
		klost++;
		ktail++;
		advance()
	:: else
	fi
}

/* Write message mm at ktail (needs no pending position): first wait until
 * its slot is free for this lap.  Sets kx = 2 when the receiver of the
 * previous lap is no living lane's (it died): see recheck_slot. */
inline kwrite(mm, mayfail)
{
	assert(ktail == kprod && ktail - khead < NSLOTS);
	if
	:: seq[ktail % NSLOTS] == ktail ->
		sval[ktail % NSLOTS] = mm;
		seq[ktail % NSLOTS] = ktail + 1;
		published(mm, ktail);
		sent++;
		ksent++;
		if
		:: rn > 0 -> COVER(4)
		:: else
		fi;
		index(ktail);
		ktail++;
		kprod++
	:: mayfail && seq[ktail % NSLOTS] != ktail && (GIVEUPS & 2) &&
	   giveups < MAXGIVEUP ->
		giveups++;
		gave = 1;
		COVER(13)
#ifndef BUG_NO_RECOVERY
	:: ktail >= NSLOTS && seq[ktail % NSLOTS] == ktail - NSLOTS + 1 &&
	   NOBODY(RECV | (ktail - NSLOTS)) ->
		kx = 2
#endif
	fi
}

/* a dead receiver's slot: free it, count it lost (not received) */
inline free_lost(pp, cov)
{
	if
	:: STILL(seq[(pp) % NSLOTS] == (pp) + 1, RECV | (pp)) ->
		if
		:: cov == 10 -> COVER(10)
		:: else -> COVER(11)
		fi;
		/* a slot freed as lost only if its receive never completed */
		assert((recvpos & (1 << (pp))) == 0);
		sval[(pp) % NSLOTS] = 0;
		seq[(pp) % NSLOTS] = (pp) + NSLOTS;
		klost++;
#ifndef BUG_LOST_AND_RECEIVED
		krecv--
#endif
	:: else
	fi
}

inline recheck_slot()
{
	free_lost(ktail - NSLOTS, 10)
}

/* admit blocked senders in arrival order while there is room */
inline admit(mayfail)
{
	do
	:: sn > 0 && readers == 0 ->
		sst[sq[0]] = ENDST;
		sq[0] = sq[1];
		sq[1] = 0;
		sn--
	:: sn > 0 && readers > 0 && kocc < CAP && ktail == kprod && !gave ->
		kwrite(sbuf[sq[0]], mayfail);
		if
		:: kx || gave -> break
		:: else ->
			sst[sq[0]] = DONE;
			sbuf[sq[0]] = 0;
			COVER(6);
			sq[0] = sq[1];
			sq[1] = 0;
			sn--
		fi
	:: else -> break
	od
}

/* the EOF of pipe mode: the last writer is gone */
inline wake_eof()
{
	do
	:: rn > 0 ->
		COVER(18);
		rst[rq[0]] = ENDST;
		owed[rq[0]] = 0;
		rq[0] = rq[1];
		rq[1] = 0;
		rn--
	:: else -> break
	od
}

inline drop_handle(me)
{
	if
	:: me < NP ->
		writers--;
		if
		:: writers == 0 -> wake_eof()
		:: else
		fi
	:: else -> readers--
	fi
}

/* The operation itself, after enter; sets r (and ks = 2 when done). */
inline operation(op, me, mayfail)
{
	if
	:: op == KSEND && gave -> r = RETRY
	:: op == KSEND && !gave && readers == 0 -> r = ENDED
	:: op == KSEND && !gave && readers > 0 && (kocc >= CAP || sn > 0) ->
		/* full: block, in arrival order */
		sst[(me) % NP] = WAIT;
		sbuf[(me) % NP] = m;
		sq[sn] = me;
		sn++;
		r = QUEUED;
		COVER(5)
	:: op == KSEND && !gave && readers > 0 && kocc < CAP && sn == 0 ->
		kwrite(m, mayfail);	/* may wait */
		if
		:: kx -> skip		/* recheck, then again */
		:: !kx && gave -> r = RETRY
		:: !kx && !gave -> r = GOT
		fi
	:: op == KRECV && gave -> r = RETRY
	:: op == KRECV && !gave ->
		kt = khead;
		do
		:: kt < ktail && kst[kt % NSLOTS] != LIVE -> kt++
		:: else -> break
		od;
		if
		:: kt < ktail ->
			claim(me - NP, kt, sval[kt % NSLOTS], 0);
			take(kt);
			r = GOT
		:: kt >= ktail && writers == 0 -> r = ENDED
		:: kt >= ktail && writers > 0 ->
			/* nothing: block, in arrival order */
			rst[me - NP] = WAIT;
			rq[rn] = me - NP;
			rn++;
			r = QUEUED;
			COVER(3)
		fi;
		kt = 0
	:: op == KTAKE ->
		take(rpos[me - NP]);
		rst[me - NP] = 0;
		rpos[me - NP] = 0;
		r = GOT
	:: op == KKICK || op == KCLOSE -> r = NONE
	:: op == KREL ->
		/* the dead lane's receive: a claimed position whose slot was
		 * never freed and that no living lane claims */
		kt = intent[me] & IPOS;
		if
		:: !(intent[me] & RECV) || kt >= khead ||
		   seq[kt % NSLOTS] != kt + 1 ->
			r = NONE
#ifndef BUG_NO_RECOVERY
		:: (intent[me] & RECV) && kt < khead &&
		   seq[kt % NSLOTS] == kt + 1 && NOBODY(RECV | kt) ->
			kx = 3
#endif
		fi;
		kt = 0
	fi;
	if
	:: op == KCLOSE || (op == KREL && !kx) ->
		intent[me] = 0;
		drop_handle(me)
	:: else
	fi;
	if
	:: !kx -> ks = 2
	:: else
	fi
}

/* L1, first half: decide, store cons (prod follows in syscall) */
inline leave_cons()
{
	kx = (sn == 0 && rn == 0 && ktail == kprod &&
	      kocc == ktail - khead && writers > 0 && readers > 0);
#ifdef BUG_FAST_WITH_WAITERS
	kx = (sn == 0 && ktail == kprod &&
	      kocc == ktail - khead && writers > 0 && readers > 0);
#endif
	/* no reserved message */
	kt = khead;
	do
	:: kt < ktail && kst[kt % NSLOTS] == RES -> kx = 0; break
	:: kt < ktail && kst[kt % NSLOTS] != RES -> kt++
	:: else -> break
	od;
	kt = 0;
	if
	:: kx -> cons = khead; ks = 4
	:: else -> cons = khead | SLOW; ks = 3
	fi;
	kx = 0
}

/*
 * A system call by lane me, after SYSCALL took the mutex: enter, the
 * operation, leave.  ks: 0 E1 to finish, 1 the operation to do, 2 leave to
 * do, 3/4 leave stored cons (3: kernel mode, 4: fast mode), 5 a kick that
 * never ran.  Each atomic block is the kernel running between two points
 * where another process may run: its waits (a blocked guard inside the
 * block), the recovery's second read of seq, and the stores of E1 and L1
 * to the shared words, each its own step.
 */
inline syscall(op, me, mayfail)
{
	/* the mutex, E1's SLOW in prod: in SYSCALL */
	if
	:: ks == 5 -> atomic { ks = 0; RETURN }
	:: else ->
		do
		:: atomic {
			if
			:: ks == 0 ->
				/* E1: SLOW in cons; E2 */
				cons = cons | SLOW;
				kt = prod & POSM;
				kx = cons & POSM;
				assert(khead <= kx && kx <= kt && kt >= kprod &&
				       kt - kx <= NSLOTS);
				kprod = kt;
				/* E3: [khead, min(C, ktail)) were received fast */
				do
				:: khead < kx && khead < ktail ->
					assert(kst[khead % NSLOTS] == LIVE);
					COVER(19);
					kst[khead % NSLOTS] = 0;
					kocc--;
					krecv++;
					khead++
				:: else -> break
				od;
				/* [ktail, C): sent and received fast, unseen */
				do
				:: ktail < kx -> ksent++; krecv++; ktail++
				:: else -> break
				od;
				khead = kx;
				kt = 0;
				kx = 0;
				gave = 0;
				ks = 1
			:: else
			fi;
			if
			:: ks == 1 && op != KTAKE -> e4(mayfail)	/* E4, E5 */
			:: else
			fi;
			if
			:: ks == 1 && !kx -> operation(op, me, mayfail)
			:: else
			fi;
			if
			:: ks == 2 && !kx ->
				admit(mayfail);
				if
				:: !kx -> leave_cons()
				:: else
				fi
			:: else
			fi
		   };
		   /* a recovery reads seq again, after the lanes */
		   if
		   :: kx == 1 -> atomic { recheck_send(); kx = 0 }
		   :: kx == 2 -> atomic { recheck_slot(); kx = 0 }
		   :: kx == 3 -> atomic { free_lost(intent[me] & IPOS, 11); kx = 0 }
		   :: else -> break
		   fi
		od;
		/* L1: prod; the mutex */
		atomic {
			if
			:: ks == 4 -> prod = ktail
#ifdef BUG_L1_TAIL
			:: else -> prod = ktail | SLOW
#else
			:: else -> prod = kprod | SLOW
#endif
			fi;
			klock = 0;
			ks = 0;
			gave = 0;
			RETURN
		}
	fi
}

/* ---- the processes ---- */

proctype Producer(byte i)
{
	byte k, m, w, p, c, s, r;
	byte kop, kret, ks, kt, kx, gave;	/* the kernel's locals */
#define L i

	do
	:: k < (i == 0 -> NM : NM1) ->
		m = i * NM + k + 1;
S1:		atomic {
			w = prod;
			if
			:: (w & SLOW) -> w = 0; goto Skern
			:: else -> p = w
			fi
		};
S2:		atomic {
			c = cons & POSM;
			if
			:: p - c >= CAP -> w = 0; p = 0; c = 0; goto Skern
			:: else
			fi
		};
S3:		atomic {
			s = seq[p % NSLOTS];
			if
			:: s < p ->
				COVER(14);
				w = 0; p = 0; c = 0; s = 0;
				goto Skern
			:: s > p -> goto Swait
			:: else -> c = 0; s = 0
			fi
		};
#ifndef BUG_INTENT_AFTER_CAS
S4:		intent[i] = SEND | p;
#endif
S5:		CRASHABLE(atomic {
			if
			:: prod == w ->
				prod = w + 1;
				sent++;
				/* no sender overtakes a blocked one */
				assert(sn == 0);
				w = 0
			:: else -> COVER(16); goto Sfail
			fi
		});
#ifdef BUG_INTENT_AFTER_CAS
S4:		CRASHABLE(intent[i] = SEND | p);
#endif
		/* S6, S7: nobody reads the payload before it is published */
S7:		CRASHABLE(atomic {
			sval[p % NSLOTS] = m;
			seq[p % NSLOTS] = p + 1;
			published(m, p);
			COVER(1);
			p = 0
		});
		/* S8, S9: an intent for a published position is never
		 * consulted, so S9 may go with S8 when there is no kick */
S8:		CRASHABLE(atomic {
			if
			:: (prod & SLOW) -> s = 1; COVER(7)
			:: else -> intent[i] = 0
			fi
		});
		if
		:: s ->
			s = 0;
			SYSCALL(KKICK, 1)
			r = 0;
S9:			intent[i] = 0
		:: else
		fi;
		goto Sdone;
Sfail:
#ifndef BUG_STALE_INTENT
		intent[i] = 0;
#endif
		goto S1;
Swait:		/* "prod moved: goto S1" spins until something it read
		 * changes: that is what it waits for */
		(prod != w || (cons & POSM) != c || seq[p % NSLOTS] != s);
		w = 0; p = 0; c = 0; s = 0;
		goto S1;
Skern:		SYSCALL(KSEND, 2)
		skip;
		if
		:: r == QUEUED ->
			(sst[i] != WAIT);
			r = (sst[i] == DONE -> GOT : ENDED);
			sst[i] = 0
		:: else
		fi;
		if
		:: r == RETRY -> r = 0; goto S1
		:: r == ENDED -> r = 0; break
		:: r == GOT -> r = 0
		fi;
Sdone:		k++;
		m = 0
	:: else -> break
	od;
	SYSCALL(KCLOSE, 3)
	goto fin;
died:
	w = 0; p = 0; c = 0; s = 0; m = 0;
	SYSCALL(KREL, 4)
	goto fin;
	KERNEL(i);
Kret5:	/* (the Consumer's KTAKE) */
fin:
	skip
#undef L
}

proctype Consumer(byte j)
{
	byte w, c, s, m, r;
	byte kop, kret, ks, kt, kx, gave;	/* the kernel's locals */
#define L (NP + j)

	do
	:: true ->
R1:		atomic {
			w = cons;
#ifndef BUG_NO_SLOW_CHECK
			if
			:: (w & SLOW) -> w = 0; goto Rkern
			:: else -> c = w
			fi
#else
			c = w & POSM
#endif
		};
R2:		atomic {
			s = seq[c % NSLOTS];
			if
			:: s == c + 1 -> s = 0	/* published */
			:: s <= c ->
				/* nothing published at c: empty, a send in
				 * flight, or the previous lap still being
				 * read */
				if
				:: s < c -> COVER(15)
				:: else
				fi;
				w = 0; c = 0; s = 0;
				goto Rkern
			:: else -> goto Rwait	/* cons moved */
			fi
		};
R3:		intent[L] = RECV | c;
R4:		CRASHABLE(atomic {
			if
			:: cons == w ->
				cons = w + 1;
				m = sval[c % NSLOTS];
				claim(j, c, m, 0);
				w = 0
			:: else -> COVER(17); goto Rfail
			fi
		});
		/* R5, R6: the copy, checked whole when the slot is freed */
R6:		CRASHABLE(atomic {
			assert(sval[c % NSLOTS] == m);
			sval[c % NSLOTS] = 0;
			seq[c % NSLOTS] = c + NSLOTS;
			commit(m, c);
			COVER(2);
			c = 0;
			m = 0
		});
		/* R7, R8: as S8, S9 */
R7:		CRASHABLE(atomic {
			if
			:: (prod & SLOW) -> s = 1; COVER(8)
			:: else -> intent[L] = 0
			fi
		});
		if
		:: s ->
			s = 0;
			SYSCALL(KKICK, 1)
			r = 0;
R8:			intent[L] = 0
		:: else
		fi;
		goto Rdone;
Rfail:
#ifndef BUG_STALE_INTENT
		intent[L] = 0;
#endif
		goto R1;
Rwait:		(cons != w || seq[c % NSLOTS] != s);
		w = 0; c = 0; s = 0;
		goto R1;
Rkern:		SYSCALL(KRECV, 2)
		skip;
		if
		:: r == QUEUED ->
			(rst[j] != WAIT);
			if
			:: rst[j] == DONE ->
				SYSCALL(KTAKE, 5)
				skip
			:: rst[j] == ENDST -> rst[j] = 0; r = ENDED
			fi
		:: else
		fi;
		if
		:: r == RETRY -> r = 0; goto R1
		:: r == ENDED -> r = 0; eofs++; break
		:: r == GOT -> r = 0
		fi;
Rdone:		skip
	od;
	SYSCALL(KCLOSE, 3)
	goto fin;
died:
	w = 0; c = 0; s = 0; m = 0;
	SYSCALL(KREL, 4)
	goto fin;
	KERNEL(L);
fin:
	skip
#undef L
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
		seq[1] = 1;
		seq[NSLOTS - 1] = NSLOTS - 1;
#if NSLOTS > 2
		seq[2] = 2;
#endif
		alive[0] = true;
		alive[1] = true;
		alive[2] = true;
		alive[3] = true;
		writers = NP;
		readers = NC;
		run Producer(0);
		run Producer(1);
		run Consumer(0);
		run Consumer(1)
	};
	(_nr_pr == 1);
	/* every message sent was received once or counted lost, or is still
	 * queued because every receiver died; only a death loses one */
	assert(recvd + klost + kocc == sent);
	assert(kocc == 0 || eofs == 0);
	assert(klost <= crashes);
	/* the kernel's own counters say the same */
	assert(ksent == sent && krecv == recvd);
	assert(rn == 0 && sn == 0)
}
