-- wrk: POST /aa/aael with keep-alive, a distinct event per request
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local n = 0
request = function()
	n = n + 1
	return wrk.format(nil, nil, nil,
		'{"domain":"bench","operation":"http","content":"' .. n .. '"}')
end
