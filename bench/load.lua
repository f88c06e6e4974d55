-- wrk script for Interpelle's benchmark, configured by environment variables:
--   BENCH_MIX       weights per kind of request, e.g. "view:90,sign:5,confirm:5"
--   BENCH_CAMPAIGN  path of the campaign page, e.g. "/cyberactions/bench-00"
--   BENCH_TAG       makes this run's email addresses unique
--   BENCH_TOKENS    file of confirmation paths, one per line (for "confirm")
--   BENCH_THREADS   number of wrk threads (threads take disjoint token slices)
-- wrk runs one connection per thread (-t equal to -c), so a thread has exactly
-- one request in flight and each response belongs to the last request it built.
-- done() prints one line "BENCH_JSON {...}" that bench/wrk.py reads.

local threads = {}
local created = 0

function setup(thread)
  thread:set("index", created)
  created = created + 1
  table.insert(threads, thread)
end

local mix = {}          -- list of {kind, cumulative weight}
local total_weight = 0
local campaign, tag, token, cookie, last_kind
local confirm_paths = {}
local next_confirm = 1
local sequence = 0
stats = {}

local function count(key)
  stats[key] = (stats[key] or 0) + 1
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

function request()
  local kind = pick_kind()
  if needs_token[kind] and token == nil then kind = "token" end
  last_kind = kind
  count("issued_" .. kind)
  return builders[kind]()
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
  local totals = {}
  for _, thread in ipairs(threads) do
    for key, value in pairs(thread:get("stats") or {}) do
      totals[key] = (totals[key] or 0) + value
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
  }
  io.write("BENCH_JSON " .. to_json(result) .. "\n")
end
