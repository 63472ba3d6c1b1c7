// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * GET /info, as the REST server answers it (guest-components
 * api-server-rest/src/router.rs, VersionInfo): {"version", "tee" (only
 * when the attestation feature is on), "feature"} -- "additional_tees" is
 * left out when empty, and aaeld knows no additional TEE -- plus aaeld's
 * own fields under "aael": the event log's state in the kernel and the
 * slow-request classes.
 */
#include <json-c/json.h>

#include "aaeld.h"

static struct json_object *aael_info(struct aaeld *d)
{
	struct json_object *o = json_object_new_object(), *log, *slow;
	char err[AAEL_ERRLEN] = "";
	struct aael_status st;
	bool bad, lbad;

	bad = jadd(o, "name", json_object_new_string("aaeld")) ||
	      jadd(o, "eventlog_enabled",
		   json_object_new_boolean(d->config.enable_eventlog));
	log = json_object_new_object();
	if (!kernel_status(&st, err))
		lbad = jadd(log, "backend", json_object_new_string(st.backend)) ||
		       jadd(log, "hardware", json_object_new_boolean(st.hardware)) ||
		       jadd(log, "index", json_object_new_int64(st.index)) ||
		       jadd(log, "records", json_object_new_int64((int64_t)st.count));
	else
		lbad = jadd(log, "error", json_object_new_string(err));
	/* each jadd on o first: it takes its value whatever failed before */
	bad = jadd(o, "eventlog", log) || bad || lbad;
	slow = json_object_new_object();
	for (unsigned int i = 0; i < SLOW_CLASSES; i++) {
		struct json_object *s = json_object_new_object();

		if (jadd(s, "running", json_object_new_int64(slow_running(i))) ||
		    jadd(s, "max", json_object_new_int64(d->max_slow[i]))) {
			json_object_put(s);
			bad = true;
			break;
		}
		if (jadd(slow, slow_class_name(i), s)) {
			bad = true;
			break;
		}
	}
	bad = jadd(o, "slow_requests", slow) || bad;
	if (bad) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

void info_get(struct request *req)
{
	struct aaeld *d = req->d;
	struct json_object *o = json_object_new_object();

	/* out of memory anywhere: no answer, the connection closes */
	if (jadd(o, "version", json_object_new_string(AAELD_VERSION)) ||
	    ((d->features & FEATURE_ATTESTATION) &&
	     jadd(o, "tee", json_object_new_string(d->tee->name))) ||
	    jadd(o, "feature", json_object_new_string(features_name(d->features))) ||
	    jadd(o, "aael", aael_info(d))) {
		json_object_put(o);
		o = NULL;
	}
	reply_json(req, 200, o);
}
