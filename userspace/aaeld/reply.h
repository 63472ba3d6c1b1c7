/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Between the server and reply.c: where a request's answer is kept. */
#ifndef AAELD_REPLY_H
#define AAELD_REPLY_H

struct MHD_Response;

struct answer {
	unsigned int status;
	struct MHD_Response *resp;	/* NULL: none (yet, or out of memory) */
};

struct answer *request_answer(struct request *req);

#endif
