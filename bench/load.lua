-- wrk script for Interpelle's benchmark, configured by environment variables:
--   BENCH_MIX       weights per kind of request, e.g. "view:90,sign:5,confirm:5"
--   BENCH_CAMPAIGN  path of the campaign page, e.g. "/cyberactions/bench-00"
--   BENCH_TAG       makes this run's email addresses unique
--   BENCH_TOKENS    file of confirmation paths, one per line (for "confirm")
--   BENCH_THREADS   number of wrk threads (threads take disjoint token slices)
--   BENCH_PATHS     plain GETs, one kind each: "home=/ bilans=/bilans" (kinds are letters)
--   BENCH_COOKIE    Cookie header sent with those GETs (the admin's session), if any
--   BENCH_USER_AGENT  User-Agent sent with them (the one the session was opened with)
-- wrk runs one connection per thread (-t equal to -c), so a thread has exactly
-- one request in flight and each response belongs to the last request it built.
-- done() prints one line "BENCH_JSON {...}" that bench/wrk.py reads, with the
-- summed time of each kind's requests (wrk's own latency mixes all kinds).

local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clock_id, bench_timespec *now);
]]
local CLOCK_MONOTONIC = 1
local clock = ffi.new("bench_timespec")

local function now_us()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, clock)
  return tonumber(clock.tv_sec) * 1000000 + math.floor(tonumber(clock.tv_nsec) / 1000)
end

local threads = {}
local created = 0

function setup(thread)
  thread:set("index", created)
  created = created + 1
  table.insert(threads, thread)
end

local mix = {}          -- list of {kind, cumulative weight}
local total_weight = 0
local campaign, tag, token, cookie, last_kind, sent_at
local confirm_paths = {}
local next_confirm = 1
local sequence = 0
local pages = {}        -- kind -> path of a plain GET
local page_headers = {}
stats = {}
times = {}              -- kind -> summed microseconds from request to response

local function count(key)
  stats[key] = (stats[key] or 0) + 1
end

local function parse_pages(spec)
  for kind, path in string.gmatch(spec, "(%a+)=(%S+)") do
    pages[kind] = path
  end
end

local function parse_mix(spec)
  for kind, weight in string.gmatch(spec, "(%a+):(%d+)") do
    total_weight = total_weight + tonumber(weight)
    table.insert(mix, {kind, total_weight})
  end
end

local function load_confirm_paths(path, position, stride)
  local file = io.open(path, "r")
  if not file then return end
  local line_number = 0
  for line in file:lines() do
    if line_number % stride == position then
      table.insert(confirm_paths, line)
    end
    line_number = line_number + 1
  end
  file:close()
end

function init(args)
  parse_mix(os.getenv("BENCH_MIX") or "view:100")
  parse_pages(os.getenv("BENCH_PATHS") or "")
  local page_cookie = os.getenv("BENCH_COOKIE") or ""
  if page_cookie ~= "" then page_headers["Cookie"] = page_cookie end
  local agent = os.getenv("BENCH_USER_AGENT") or ""
  if agent ~= "" then page_headers["User-Agent"] = agent end
  campaign = os.getenv("BENCH_CAMPAIGN")
  tag = (os.getenv("BENCH_TAG") or "run") .. "-" .. index
  local tokens = os.getenv("BENCH_TOKENS")
  if tokens and tokens ~= "" then
    load_confirm_paths(tokens, index, tonumber(os.getenv("BENCH_THREADS") or "1"))
  end
  math.randomseed(os.time() * 1000 + index)
end

local function pick_kind()
  local roll = math.random() * total_weight
  for _, entry in ipairs(mix) do
    if roll < entry[2] then return entry[1] end
  end
  return mix[#mix][1]
end

local function urlencode(text)
  return (string.gsub(text, "[^%w%-%._~]", function(char)
    return string.format("%%%02X", string.byte(char))
  end))
end

-- Names take letters only: spell a number with the letters a..j.
local function letters(number)
  return (string.gsub(tostring(number), "%d", function(digit)
    return string.char(97 + tonumber(digit))
  end))
end

local function form_body(fields)
  local parts = {}
  for _, pair in ipairs(fields) do
    table.insert(parts, pair[1] .. "=" .. urlencode(pair[2]))
  end
  return table.concat(parts, "&")
end

local function post(path, body, extra)
  local headers = {["Content-Type"] = "application/x-www-form-urlencoded",
                   ["Cookie"] = cookie}
  for name, value in pairs(extra or {}) do headers[name] = value end
  return wrk.format("POST", path, headers, body)
end

local builders = {}

function builders.view()
  -- A new visitor: no cookie, the page opens a session for its form.
  return wrk.format("GET", campaign)
end

function builders.token()
  return wrk.format("GET", campaign)
end

function builders.sign()
  sequence = sequence + 1
  local body = form_body({
    {"last_name", "Bench"}, {"first_name", "Camille " .. letters(sequence)},
    {"email", tag .. "-" .. sequence .. "@example.org"},
    {"postal_code", string.format("%05d", math.random(1000, 99999))},
    {"city", "Paris"}, {"country", "FR"}, {"csrf_token", token},
  })
  return post(campaign .. "/signer", body, {["HX-Request"] = "true"})
end

function builders.confirm()
  local path = confirm_paths[next_confirm]
  if path == nil then
    count("confirm_exhausted")
    path = confirm_paths[1]
  end
  next_confirm = next_confirm + 1
  return post(path, form_body({{"csrf_token", token}}))
end

function builders.floor()
  return wrk.format("POST", "/_bench/floor")
end

local needs_token = {sign = true, confirm = true}

local function page(kind)
  return wrk.format("GET", pages[kind], page_headers)
end

function request()
  local kind = pick_kind()
  if needs_token[kind] and token == nil then kind = "token" end
  last_kind = kind
  count("issued_" .. kind)
  -- wrk calls request() just before writing, and starts its own clock then too.
  sent_at = now_us()
  if builders[kind] then return builders[kind]() end
  return page(kind)
end

local function remember_token(headers, body)
  local found = string.match(body, 'name="csrf_token"[^>]-value="([^"]+)"')
  local session = string.match(headers["Set-Cookie"] or "", "session=([^;]+)")
  if found and session then
    token = found
    cookie = "session=" .. session
  end
end

function response(status, headers, body)
  times[last_kind] = (times[last_kind] or 0) + (now_us() - sent_at)
  count(last_kind .. "_" .. status)
  if token == nil and status == 200 and (last_kind == "token" or last_kind == "view") then
    remember_token(headers, body)
  end
end

local function to_json(value)
  if type(value) == "table" then
    local parts = {}
    for key, item in pairs(value) do
      table.insert(parts, string.format("%q:%s", tostring(key), to_json(item)))
    end
    return "{" .. table.concat(parts, ",") .. "}"
  end
  return tostring(value)
end

function done(summary, latency, requests)
  local totals, time_totals = {}, {}
  for _, thread in ipairs(threads) do
    for key, value in pairs(thread:get("stats") or {}) do
      totals[key] = (totals[key] or 0) + value
    end
    for key, value in pairs(thread:get("times") or {}) do
      time_totals[key] = (time_totals[key] or 0) + value
    end
  end
  local result = {
    duration_us = summary.duration,
    requests = summary.requests,
    errors = summary.errors,
    latency_us = {p50 = latency:percentile(50), p90 = latency:percentile(90),
                  p95 = latency:percentile(95), p99 = latency:percentile(99),
                  mean = latency.mean, max = latency.max},
    counts = totals,
    time_us = time_totals,
  }
  io.write("BENCH_JSON " .. to_json(result) .. "\n")
end
