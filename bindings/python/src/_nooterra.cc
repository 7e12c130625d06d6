// The private extension module `nooterra._nooterra`: a thin translation of the C ABI
// (include/nooterra/c.h) and nothing else — no C++ core header is included, so error mapping
// lives in one place (the C ABI) and Abseil never reaches Python.
//
// Conventions: inputs are copied into C++ strings while the GIL is held, then the GIL is released
// around every call that hashes, signs, verifies or touches the store. Errors become the
// exception returned by the error factory the public package registers
// (nooterra._nooterra._set_error_factory), so `.code`, `.code_name` and `.reason` survive.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "nooterra/c.h"

namespace py = pybind11;

namespace nooterra_py {
// A str (or bytes) argument the C ABI takes as a C string: a tenant, an id, a key, a time, a
// path, a PEM. A NUL inside would silently truncate it to another tenant or key (the std::string
// caster accepts it), so the caster below refuses it with a ValueError while the GIL is held,
// before any C ABI call.
struct CString {
  std::string s;
  const char* c_str() const { return s.c_str(); }
};
}  // namespace nooterra_py

namespace pybind11::detail {
template <>
struct type_caster<nooterra_py::CString> {
  PYBIND11_TYPE_CASTER(nooterra_py::CString, const_name("str"));
  bool load(handle src, bool) {
    const char* p = nullptr;
    Py_ssize_t n = 0;
    if (PyUnicode_Check(src.ptr())) {
      p = PyUnicode_AsUTF8AndSize(src.ptr(), &n);
      if (p == nullptr) return PyErr_Clear(), false;
    } else if (PyBytes_Check(src.ptr())) {
      if (PyBytes_AsStringAndSize(src.ptr(), const_cast<char**>(&p), &n) != 0) return PyErr_Clear(), false;
    } else {
      return false;
    }
    if (std::memchr(p, 0, static_cast<size_t>(n)) != nullptr) {
      throw value_error("tenants, ids, keys, times, paths and PEM texts must not contain NUL characters");
    }
    value.s.assign(p, static_cast<size_t>(n));
    return true;
  }
  static handle cast(const nooterra_py::CString& v, return_value_policy, handle) {
    return PyUnicode_DecodeUTF8(v.s.data(), static_cast<Py_ssize_t>(v.s.size()), nullptr);
  }
};
}  // namespace pybind11::detail

using nooterra_py::CString;

namespace {

py::object g_error_factory;  // set once at import by the public package

[[noreturn]] void Raise(int32_t rc, nooterra_error_t* err) {
  const std::string reason = nooterra_error_reason(err), message = nooterra_error_message(err);
  const int64_t offset = nooterra_error_offset(err);
  nooterra_error_free(err);
  if (!g_error_factory) throw std::runtime_error(reason + ": " + message);
  py::object exc = g_error_factory(rc, nooterra_code_name(rc), reason, message,
                                   offset < 0 ? py::none() : py::object(py::int_(offset)));
  PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(exc.ptr())), exc.ptr());
  throw py::error_already_set();
}

[[noreturn]] void RaiseWith(int32_t rc, const std::string& reason, const std::string& message) {
  if (!g_error_factory) throw std::runtime_error(reason + ": " + message);
  py::object exc = g_error_factory(rc, nooterra_code_name(rc), reason, message, py::none());
  PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(exc.ptr())), exc.ptr());
  throw py::error_already_set();
}

// Takes the error variable by reference: in `Check(call(&err), err)` the argument order is
// unspecified, so a by-value `err` could be read before `call` wrote it.
void Check(int32_t rc, nooterra_error_t*& err) {
  if (rc != NOOTERRA_OK) Raise(rc, err);
}

// Runs one C ABI call with the GIL released (its inputs are already copied into C++ values and
// it touches no Python object), then raises its error, if any, with the GIL held again.
//
// The GIL is released and re-taken by hand rather than with py::gil_scoped_release: at interpreter
// exit a daemon thread that tries to re-take the GIL is ended by CPython with pthread_exit, whose
// forced unwind must not start inside a destructor (destructors are noexcept: std::terminate,
// which aborted the whole process in tests/test_nooterra.py). Here it unwinds through ordinary
// frames; pybind11 lets abi::__forced_unwind through.
template <typename F>
void Call(F&& call) {
  nooterra_error_t* err = nullptr;
  PyThreadState* released = PyEval_SaveThread();
  const int32_t rc = call(&err);
  PyEval_RestoreThread(released);
  Check(rc, err);
}

// An owned buffer that is always disposed.
struct Buffer {
  nooterra_buffer_t b = NOOTERRA_BUFFER_INIT;
  ~Buffer() { nooterra_buffer_dispose(&b); }
  std::string str() const { return b.data ? std::string(reinterpret_cast<const char*>(b.data), b.size) : ""; }
};

const uint8_t* U(const std::string& s) { return reinterpret_cast<const uint8_t*>(s.data()); }

// Owns one compiled spend policy for the lifetime of the Python object.
class SpendPolicy {
 public:
  explicit SpendPolicy(const std::string& policy) {
    char hash[65] = {0};
    Call([&](nooterra_error_t** err) { return nooterra_spend_policy_compile(U(policy), policy.size(), &p_, hash, err); });
    hash_ = hash;
  }
  ~SpendPolicy() { nooterra_spend_policy_free(p_); }
  SpendPolicy(const SpendPolicy&) = delete;
  SpendPolicy& operator=(const SpendPolicy&) = delete;
  const nooterra_spend_policy_t* get() const { return p_; }
  const std::string& hash() const { return hash_; }

 private:
  nooterra_spend_policy_t* p_ = nullptr;
  std::string hash_;
};

// Keys travel through Python as PEM text; handles live only inside one call.
struct PrivateKey {
  nooterra_private_key_t* k = nullptr;
  explicit PrivateKey(const std::string& pem) {
    nooterra_error_t* err = nullptr;
    Check(nooterra_private_key_from_pem(pem.data(), pem.size(), &k, &err), err);
  }
  ~PrivateKey() { nooterra_private_key_free(k); }
};
struct PublicKey {
  nooterra_public_key_t* k = nullptr;
  explicit PublicKey(const std::string& pem) {
    nooterra_error_t* err = nullptr;
    Check(nooterra_public_key_from_pem(pem.data(), pem.size(), &k, &err), err);
  }
  PublicKey(PublicKey&& o) noexcept : k(o.k) { o.k = nullptr; }
  ~PublicKey() { nooterra_public_key_free(k); }
};

// (private_pem, public_pem, key_id) of a key handle, computed without the GIL (deriving the
// public key, PEM encoding and the key id's SHA-256); frees `k`.
struct KeyTriple {
  std::string private_pem, public_pem, key_id;
};
int32_t DeriveKeyTriple(nooterra_private_key_t* k, KeyTriple* out, nooterra_error_t** err) {
  nooterra_public_key_t* pub = nullptr;
  Buffer priv, pem;
  char key_id[NOOTERRA_KEY_ID_SIZE] = {0};
  int32_t rc = nooterra_private_key_public_key(k, &pub, err);
  if (rc == NOOTERRA_OK) rc = nooterra_public_key_to_pem(pub, &pem.b, err);
  if (rc == NOOTERRA_OK) rc = nooterra_public_key_id(pub, key_id, err);
  if (rc == NOOTERRA_OK) rc = nooterra_private_key_to_pem(k, &priv.b, err);
  nooterra_public_key_free(pub);
  nooterra_private_key_free(k);  // wipes the secret
  if (rc == NOOTERRA_OK) *out = KeyTriple{priv.str(), pem.str(), key_id};
  return rc;
}
// Runs `make` (which creates a key handle) and derives its triple, all with the GIL released.
template <typename Make>
py::tuple KeyPairPems(Make make) {
  KeyTriple t;
  Call([&](nooterra_error_t** err) {
    nooterra_private_key_t* k = nullptr;
    const int32_t rc = make(&k, err);
    return rc == NOOTERRA_OK ? DeriveKeyTriple(k, &t, err) : rc;
  });
  return py::make_tuple(t.private_pem, t.public_pem, t.key_id);
}

// The store handle: closed explicitly or when collected; use after close raises.
class Store {
 public:
  Store(const CString& path, bool durable, bool create, uint64_t map_bytes_max) {
    nooterra_store_options_t o = NOOTERRA_STORE_OPTIONS_INIT;
    o.durable = durable ? 1 : 0;
    o.create = create ? 1 : 0;
    if (map_bytes_max != 0) o.map_bytes_max = map_bytes_max;
    Call([&](nooterra_error_t** err) { return nooterra_store_open(path.c_str(), &o, &s_, err); });
  }
  ~Store() { nooterra_store_close(s_); }
  void Close() {
    nooterra_store_close(s_);
    s_ = nullptr;
  }
  bool closed() const { return s_ == nullptr; }
  nooterra_store_t* get() const {
    // Use after close is an error, not a crash.
    if (s_ == nullptr) RaiseWith(NOOTERRA_FAILED_PRECONDITION, "STORE_CLOSED", "the store is closed");
    return s_;
  }

 private:
  nooterra_store_t* s_ = nullptr;
};

// Appends the UTF-8 of a new str reference (from PyObject_Str / PyObject_Repr) and releases it;
// false (error cleared) when there is none.
bool AppendNewText(PyObject* text, std::string* out) {
  if (text == nullptr) return PyErr_Clear(), false;
  Py_ssize_t n = 0;
  const char* utf8 = PyUnicode_AsUTF8AndSize(text, &n);
  if (utf8 != nullptr) out->append(utf8, static_cast<size_t>(n));
  Py_DECREF(text);
  if (utf8 == nullptr) return PyErr_Clear(), false;
  return true;
}

// JSON text of a plain Python value (dict with str keys, list, tuple, str, int, float, bool,
// None), written straight from the objects: the json module spends ~10 µs on a small request,
// which made Store.apply_batch a third slower than the same batch from C++. Anything else (other
// key types, non-finite floats, strings with lone surrogates, nesting past 64) returns false and
// the package falls back to the json module. The library canonicalizes whatever it hashes, so
// only the value matters, not the spelling: floats use Python's repr (shortest round trip).
bool AppendJson(PyObject* o, std::string* out, int depth) {
  if (depth > 64) return false;
  if (o == Py_None) {
    out->append("null");
  } else if (o == Py_True) {
    out->append("true");
  } else if (o == Py_False) {
    out->append("false");
  } else if (PyLong_CheckExact(o)) {
    if (!AppendNewText(PyObject_Str(o), out)) return false;
  } else if (PyFloat_CheckExact(o)) {
    const double d = PyFloat_AS_DOUBLE(o);
    if (!(d == d) || d == HUGE_VAL || d == -HUGE_VAL) return false;
    if (!AppendNewText(PyObject_Repr(o), out)) return false;  // repr: the shortest round-trip form
  } else if (PyUnicode_CheckExact(o)) {
    Py_ssize_t n = 0;
    const char* utf8 = PyUnicode_AsUTF8AndSize(o, &n);
    if (utf8 == nullptr) return PyErr_Clear(), false;  // lone surrogates: let the json module decide
    out->push_back('"');
    static const char kHex[] = "0123456789abcdef";
    for (Py_ssize_t i = 0; i < n; ++i) {
      const unsigned char c = static_cast<unsigned char>(utf8[i]);
      if (c == '"' || c == '\\') {
        out->push_back('\\');
        out->push_back(static_cast<char>(c));
      } else if (c < 0x20) {
        out->append("\\u00");
        out->push_back(kHex[c >> 4]);
        out->push_back(kHex[c & 15]);
      } else {
        out->push_back(static_cast<char>(c));
      }
    }
    out->push_back('"');
  } else if (PyDict_CheckExact(o)) {
    out->push_back('{');
    PyObject *key, *value;
    Py_ssize_t pos = 0;
    bool first = true;
    while (PyDict_Next(o, &pos, &key, &value)) {
      if (!PyUnicode_CheckExact(key)) return false;
      if (!first) out->push_back(',');
      first = false;
      if (!AppendJson(key, out, depth + 1)) return false;
      out->push_back(':');
      if (!AppendJson(value, out, depth + 1)) return false;
    }
    out->push_back('}');
  } else if (PyList_CheckExact(o) || PyTuple_CheckExact(o)) {
    out->push_back('[');
    const Py_ssize_t n = PySequence_Fast_GET_SIZE(o);
    PyObject** items = PySequence_Fast_ITEMS(o);
    for (Py_ssize_t i = 0; i < n; ++i) {
      if (i > 0) out->push_back(',');
      if (!AppendJson(items[i], out, depth + 1)) return false;
    }
    out->push_back(']');
  } else {
    return false;
  }
  return true;
}

// Runs one prepared batch through the C ABI: (results JSON, failed count).
py::tuple ApplyBatch(const Store& s, const CString& tenant, const std::vector<nooterra_batch_op_t>& raw) {
  Buffer out;
  uint32_t failed = 0;
  nooterra_store_t* h = s.get();
  Call([&](nooterra_error_t** err) {
    return nooterra_agreement_apply_batch(h, tenant.c_str(), raw.data(), raw.size(), &out.b, &failed, err);
  });
  return py::make_tuple(out.str(), failed);
}

// apply_text(store, tenant, operation, request, subject, now, idempotency_key)
//   -> (result JSON text, already_existed)
// The per-call hot path of Store.apply_text, written against the CPython API with METH_FASTCALL:
// pybind11's dispatcher alone costs ~0.4 µs a call here, which is most of the 2 µs budget. No
// input is copied: str arguments are read through their UTF-8 buffers (request may also be
// bytes or None), which stay valid while the GIL is released because the caller's frame holds
// the objects and str/bytes are immutable. Wrong types are TypeError; the Python layer has
// already mapped the operation name to its code and serialized a mapping request.
PyObject* ApplyTextFast(PyObject*, PyObject* const* args, Py_ssize_t nargs) {
  try {
    if (nargs != 7) throw py::type_error("apply_text takes 7 arguments");
    const Store& store = py::cast<const Store&>(py::handle(args[0]));
    const auto text = [](PyObject* o, const char* what, bool optional) -> const char* {
      if (optional && o == Py_None) return nullptr;
      if (!PyUnicode_Check(o)) throw py::type_error(std::string(what) + " must be a str");
      Py_ssize_t n = 0;
      const char* p = PyUnicode_AsUTF8AndSize(o, &n);
      if (p == nullptr) throw py::error_already_set();
      if (std::memchr(p, 0, static_cast<size_t>(n)) != nullptr) {
        throw py::value_error(std::string(what) + " must not contain NUL");
      }
      return p;
    };
    const char* tenant = text(args[1], "tenant", false);
    const long operation = PyLong_AsLong(args[2]);
    if (operation == -1 && PyErr_Occurred()) throw py::error_already_set();
    const char* request = "";
    Py_ssize_t request_size = 0;
    if (PyBytes_Check(args[3])) {
      request = PyBytes_AS_STRING(args[3]);
      request_size = PyBytes_GET_SIZE(args[3]);
    } else if (PyUnicode_Check(args[3])) {
      request = PyUnicode_AsUTF8AndSize(args[3], &request_size);
      if (request == nullptr) throw py::error_already_set();
    } else if (args[3] != Py_None) {
      throw py::type_error("request must be str, bytes or None here");
    }
    const char* subject = text(args[4], "subject", true);
    const char* now = text(args[5], "now", false);
    const char* key = text(args[6], "idempotency_key", false);
    nooterra_store_t* h = store.get();
    Buffer out;
    int32_t existed = 0;
    Call([&](nooterra_error_t** err) {
      return nooterra_agreement_apply(h, tenant, static_cast<int32_t>(operation), subject,
                                      reinterpret_cast<const uint8_t*>(request), static_cast<size_t>(request_size),
                                      now, key, &out.b, &existed, err);
    });
    PyObject* result = PyUnicode_DecodeUTF8(reinterpret_cast<const char*>(out.b.data),
                                            static_cast<Py_ssize_t>(out.b.size), "strict");
    if (result == nullptr) return nullptr;
    PyObject* pair = PyTuple_New(2);
    if (pair == nullptr) {
      Py_DECREF(result);
      return nullptr;
    }
    PyTuple_SET_ITEM(pair, 0, result);
    PyTuple_SET_ITEM(pair, 1, PyBool_FromLong(existed == 1));
    return pair;
  } catch (py::error_already_set& e) {
    e.restore();
  } catch (const py::cast_error& e) {  // a builtin_exception, but pybind11 maps it to RuntimeError
    PyErr_SetString(PyExc_TypeError, e.what());
  } catch (const py::builtin_exception& e) {
    e.set_error();
  } catch (const std::exception& e) {
    PyErr_SetString(PyExc_RuntimeError, e.what());
  }
  return nullptr;
}

// The package's json.JSONEncoder().encode, for requests AppendJson refuses. A raw, deliberately
// never-released reference: a py::object here would be released by a static destructor after
// the interpreter has finalized (no GIL), which aborts the process at exit.
PyObject* g_json_encoder = nullptr;

// Operation names of Store.apply_text / apply_batch -> NOOTERRA_AGREEMENT_* (sorted by name: the
// error message lists them in this order, as the Python layer did).
constexpr std::pair<const char*, int32_t> kOperations[] = {
    {"create_agreement", NOOTERRA_AGREEMENT_CREATE},   {"deposit", NOOTERRA_AGREEMENT_DEPOSIT},
    {"fund", NOOTERRA_AGREEMENT_FUND},                 {"lock_hold", NOOTERRA_AGREEMENT_LOCK_HOLD},
    {"open_dispute", NOOTERRA_AGREEMENT_OPEN_DISPUTE}, {"resolve_escalation", NOOTERRA_AGREEMENT_RESOLVE_ESCALATION},
    {"set_wallet_policy", NOOTERRA_AGREEMENT_SET_WALLET_POLICY}, {"settle", NOOTERRA_AGREEMENT_SETTLE},
    {"submit_evidence", NOOTERRA_AGREEMENT_SUBMIT_EVIDENCE}, {"submit_verdict", NOOTERRA_AGREEMENT_SUBMIT_VERDICT},
    {"void", NOOTERRA_AGREEMENT_VOID}};

// apply_text_kw(store, tenant, operation, request=None, *, subject=None, now, idempotency_key)
//   -> (result JSON text, already_existed)
// Store.apply_text itself (the package binds it to each Store with functools.partial, so a call
// runs no Python frame): the operation by name, a request as str, bytes, None or plain data
// (written by AppendJson, else by the package's JSON encoder), then ApplyTextFast.
PyObject* ApplyTextKw(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  if (nargs < 3 || nargs > 4) {
    PyErr_SetString(PyExc_TypeError, "apply_text(tenant, operation, request=None, *, subject=None, now, idempotency_key)");
    return nullptr;
  }
  PyObject* request = nargs == 4 ? args[3] : Py_None;
  PyObject* subject = Py_None;
  PyObject* now = nullptr;
  PyObject* key = nullptr;
  const Py_ssize_t nkw = kwnames == nullptr ? 0 : PyTuple_GET_SIZE(kwnames);
  for (Py_ssize_t i = 0; i < nkw; ++i) {
    PyObject* name = PyTuple_GET_ITEM(kwnames, i);
    PyObject* value = args[nargs + i];
    if (PyUnicode_CompareWithASCIIString(name, "now") == 0) {
      now = value;
    } else if (PyUnicode_CompareWithASCIIString(name, "idempotency_key") == 0) {
      key = value;
    } else if (PyUnicode_CompareWithASCIIString(name, "subject") == 0) {
      subject = value;
    } else if (PyUnicode_CompareWithASCIIString(name, "request") == 0 && nargs == 3) {
      request = value;
    } else {
      PyErr_Format(PyExc_TypeError, "apply_text() got an unexpected keyword argument '%U'", name);
      return nullptr;
    }
  }
  if (now == nullptr || key == nullptr) {
    PyErr_SetString(PyExc_TypeError, "apply_text() missing keyword argument 'now' or 'idempotency_key'");
    return nullptr;
  }
  try {
    int32_t code = -1;
    if (PyUnicode_Check(args[2])) {
      for (const auto& [op_name, op_code] : kOperations) {
        if (PyUnicode_CompareWithASCIIString(args[2], op_name) == 0) code = op_code;
      }
    }
    if (code < 0) {
      std::string names;
      for (const auto& op : kOperations) names += std::string(names.empty() ? "[" : ", ") + "'" + op.first + "'";
      RaiseWith(NOOTERRA_INVALID_ARGUMENT, "AGREEMENT_OPERATION_UNKNOWN", "operation must be one of " + names + "]");
    }
    py::object text;  // keeps a serialized request alive for the call
    if (request != Py_None && !PyUnicode_Check(request) && !PyBytes_Check(request)) {
      std::string out;
      if (AppendJson(request, &out, 0)) {
        text = py::reinterpret_steal<py::object>(PyUnicode_DecodeUTF8(out.data(), static_cast<Py_ssize_t>(out.size()), "strict"));
        if (!text) throw py::error_already_set();
      } else {
        if (g_json_encoder == nullptr) throw py::type_error("request must be JSON text or plain data");
        text = py::reinterpret_borrow<py::object>(g_json_encoder)(py::handle(request));
      }
      request = text.ptr();
    }
    PyObject* const call[] = {args[0], args[1], py::int_(code).release().ptr(), request, subject, now, key};
    PyObject* result = ApplyTextFast(self, call, 7);
    Py_DECREF(call[2]);
    return result;
  } catch (py::error_already_set& e) {
    e.restore();
  } catch (const py::builtin_exception& e) {
    e.set_error();
  } catch (const std::exception& e) {
    PyErr_SetString(PyExc_RuntimeError, e.what());
  }
  return nullptr;
}

PyMethodDef kFastMethods[] = {
    {"apply_text_kw", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(&ApplyTextKw)),
     METH_FASTCALL | METH_KEYWORDS,
     "apply_text_kw(store, tenant, operation, request=None, *, subject=None, now, idempotency_key) -> (text, existed)"},
    {"apply_text", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(&ApplyTextFast)), METH_FASTCALL,
     "apply_text(store, tenant, operation, request, subject, now, idempotency_key) -> (text, existed)"},
    {nullptr, nullptr, 0, nullptr}};

}  // namespace

PYBIND11_MODULE(_nooterra, m) {
  m.doc() = "Private C-ABI bindings of nooterra; use the public `nooterra` package.";
  m.attr("ABI_VERSION") = py::int_(nooterra_version_number());
  m.attr("VERSION") = py::str(nooterra_version_string());

  m.def("_set_error_factory", [](py::object f) { g_error_factory = std::move(f); });
  m.def("_set_json_encoder", [](py::object f) {
    PyObject* old = g_json_encoder;
    g_json_encoder = f.release().ptr();
    Py_XDECREF(old);
  });
  if (PyModule_AddFunctions(m.ptr(), kFastMethods) != 0) throw py::error_already_set();
  // _bench_apply_ns(store, tenant, operation, request, subject, now, key, n) -> ns per call of
  // the bare C ABI call, looped here with the GIL released: the same-process baseline that
  // bench/bindings_overhead.py subtracts from apply_text (not part of the public API).
  m.def("_bench_apply_ns", [](const Store& s, const CString& tenant, int32_t operation, const std::string& request,
                              std::optional<CString> subject, const CString& now, const CString& key,
                              int64_t n) {
    nooterra_store_t* h = s.get();
    double ns = 0;
    Call([&](nooterra_error_t** err) {
      const auto t0 = std::chrono::steady_clock::now();
      for (int64_t i = 0; i < n; ++i) {
        Buffer out;
        int32_t existed = 0;
        const int32_t rc = nooterra_agreement_apply(h, tenant.c_str(), operation, subject ? subject->c_str() : nullptr,
                                                    U(request), request.size(), now.c_str(), key.c_str(), &out.b,
                                                    &existed, err);
        if (rc != NOOTERRA_OK) return rc;
      }
      ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count() /
           static_cast<double>(n > 0 ? n : 1);
      return NOOTERRA_OK;
    });
    return ns;
  });

  // to_json(value) -> str, or None when the value is not plain JSON data (see AppendJson).
  m.def("to_json", [](py::handle value) -> py::object {
    std::string out;
    if (!AppendJson(value.ptr(), &out, 0)) return py::none();
    return py::str(out);
  });

  m.def("canonicalize", [](const std::string& text) {
    Buffer out;
    Call([&](nooterra_error_t** err) {
      return nooterra_json_canonicalize(U(text), text.size(), nullptr, &out.b, err);
    });
    return out.str();
  });
  m.def("canonical_hash", [](const std::string& text) {
    char hex[65] = {0};
    Call([&](nooterra_error_t** err) {
      return nooterra_json_canonical_hash(U(text), text.size(), nullptr, hex, err);
    });
    return std::string(hex);
  });
  m.def("sha256_hex", [](const py::bytes& data) {
    const std::string d = data;
    char hex[65] = {0};
    Call([&](nooterra_error_t** err) { return nooterra_sha256_hex(U(d), d.size(), hex, err); });
    return std::string(hex);
  });

  // Keys: (private_pem, public_pem, key_id) triples.
  m.def("key_generate", [] {
    return KeyPairPems([](nooterra_private_key_t** k, nooterra_error_t** err) { return nooterra_private_key_generate(k, err); });
  });
  m.def("key_from_seed", [](const py::bytes& seed) {
    const std::string s = seed;
    return KeyPairPems([&](nooterra_private_key_t** k, nooterra_error_t** err) {
      return nooterra_private_key_from_seed(U(s), s.size(), k, err);
    });
  });
  m.def("key_from_pem", [](const std::string& pem) {
    return KeyPairPems([&](nooterra_private_key_t** k, nooterra_error_t** err) {
      return nooterra_private_key_from_pem(pem.data(), pem.size(), k, err);
    });
  });
  m.def("key_id", [](const std::string& public_pem) {
    char id[NOOTERRA_KEY_ID_SIZE] = {0};
    Call([&](nooterra_error_t** err) { return nooterra_key_id_from_pem(public_pem.data(), public_pem.size(), id, err); });
    return std::string(id);
  });
  m.def("sign_digest", [](const std::string& private_pem, const py::bytes& digest) {
    PrivateKey key(private_pem);
    const std::string d = digest;
    uint8_t sig[64];
    Call([&](nooterra_error_t** err) {
      return nooterra_private_key_sign(key.k, U(d), d.size(), sig, err);
    });
    return py::bytes(reinterpret_cast<const char*>(sig), 64);
  });
  m.def("verify_digest", [](const std::string& public_pem, const py::bytes& digest, const py::bytes& signature) {
    PublicKey key(public_pem);
    const std::string d = digest, s = signature;
    int32_t valid = 0;
    Call([&](nooterra_error_t** err) {
      return nooterra_public_key_verify(key.k, U(d), d.size(), U(s), s.size(), &valid, err);
    });
    return valid == 1;
  });

  // Objects.
  m.def("object_schema_version", [](int32_t type) -> py::object {
    const char* s = nooterra_object_schema_version(type);
    return s ? py::object(py::str(s)) : py::none();
  });
  m.def("object_build", [](int32_t type, const std::string& inputs, std::optional<std::string> signer_pem,
                           std::optional<CString> now) {
    std::optional<PrivateKey> key;
    if (signer_pem) key.emplace(*signer_pem);
    nooterra_object_build_options_t o = NOOTERRA_OBJECT_BUILD_OPTIONS_INIT;
    o.signer = key ? key->k : nullptr;
    o.now = now ? now->c_str() : nullptr;
    Buffer out;
    char hash[65] = {0};
    Call([&](nooterra_error_t** err) {
      return nooterra_object_build(type, U(inputs), inputs.size(), &o, &out.b, hash, err);
    });
    return py::make_tuple(out.str(), std::string(hash));
  });
  m.def("object_validate", [](const std::string& text) {
    int32_t type = 0;
    char hash[65] = {0};
    Call([&](nooterra_error_t** err) {
      return nooterra_object_validate(U(text), text.size(), &type, hash, err);
    });
    return py::make_tuple(type, std::string(hash));
  });
  m.def("object_hash", [](const std::string& text) {
    char hash[65] = {0};
    Call([&](nooterra_error_t** err) {
      return nooterra_object_hash(U(text), text.size(), hash, err);
    });
    return std::string(hash);
  });
  m.def("object_sign", [](const std::string& text, const std::string& private_pem) {
    PrivateKey key(private_pem);
    Buffer out;
    char hash[65] = {0};
    Call([&](nooterra_error_t** err) {
      return nooterra_object_sign(U(text), text.size(), key.k, &out.b, hash, err);
    });
    return py::make_tuple(out.str(), std::string(hash));
  });
  m.def("object_verify", [](const std::string& text, const std::vector<std::string>& public_pems) {
    std::vector<PublicKey> keys;
    for (const std::string& pem : public_pems) keys.emplace_back(pem);
    std::vector<const nooterra_public_key_t*> handles;
    for (const PublicKey& k : keys) handles.push_back(k.k);
    Buffer out;
    int32_t ok = 0;
    Call([&](nooterra_error_t** err) {
      return nooterra_object_verify(U(text), text.size(), handles.data(), handles.size(), &out.b, &ok, err);
    });
    return out.str();
  });

  // Bundles.
  m.def("verify_bundle", [](const CString& dir, int32_t kind, bool strict, bool fail_on_warnings,
                            uint32_t hash_concurrency, std::optional<CString> governance_roots,
                            std::optional<CString> pricing_signers, std::optional<CString> pricing_ids,
                            std::optional<CString> time_authorities) {
    nooterra_verify_options_t o = NOOTERRA_VERIFY_OPTIONS_INIT;
    o.strict = strict ? 1 : 0;
    o.fail_on_warnings = fail_on_warnings ? 1 : 0;
    o.hash_concurrency = hash_concurrency;
    o.trusted_governance_root_keys_json = governance_roots ? governance_roots->c_str() : nullptr;
    o.trusted_pricing_signer_keys_json = pricing_signers ? pricing_signers->c_str() : nullptr;
    o.trusted_pricing_signer_key_ids_json = pricing_ids ? pricing_ids->c_str() : nullptr;
    o.trusted_time_authority_keys_json = time_authorities ? time_authorities->c_str() : nullptr;
    Buffer out;
    int32_t ok = 0;
    Call([&](nooterra_error_t** err) {
      return nooterra_verify_bundle(dir.c_str(), kind, &o, &out.b, &ok, err);
    });
    return out.str();
  });

  // Releases and signer keys.
  m.def("release_verify", [](const CString& dir, std::optional<CString> trust_file,
                             std::optional<CString> installed_about) {
    Buffer out;
    Call([&](nooterra_error_t** err) {
      return nooterra_release_verify(dir.c_str(), trust_file ? trust_file->c_str() : nullptr,
                                     installed_about ? installed_about->c_str() : nullptr, &out.b, nullptr, err);
    });
    return out.str();
  });
  m.def("signer_lifecycle_evaluate", [](const std::string& query) {
    Buffer out;
    Call([&](nooterra_error_t** err) {
      return nooterra_signer_lifecycle_evaluate(U(query), query.size(), &out.b, nullptr, err);
    });
    return out.str();
  });

  // Policy.
  m.def("policy_evaluate_settlement", [](std::optional<std::string> policy, std::optional<std::string> method,
                                         const CString& verification_status, const CString& run_status,
                                         int64_t amount) {
    const std::string p = policy.value_or(""), mt = method.value_or("");
    Buffer out;
    Call([&](nooterra_error_t** err) {
      return nooterra_policy_evaluate_settlement(U(p), p.size(), U(mt), mt.size(), verification_status.c_str(), run_status.c_str(), amount, &out.b, err);
    });
    return out.str();
  });

  m.def("policy_normalize", [](int32_t kind, const std::string& policy) {
    Buffer out;
    char hash[65] = {0};
    Call([&](nooterra_error_t** err) {
      return nooterra_policy_normalize(kind, U(policy), policy.size(), &out.b, hash, err);
    });
    return py::make_tuple(out.str(), std::string(hash));
  });

  // evaluateGovernancePolicyTemplate -> (GovernancePolicyDecision.v1 JSON, outcome)
  m.def("policy_governance_evaluate", [](const std::string& tmpl, const std::string& request) {
    Buffer out;
    int32_t outcome = -1;
    Call([&](nooterra_error_t** err) {
      return nooterra_policy_governance_evaluate(U(tmpl), tmpl.size(), U(request), request.size(), &out.b, &outcome,
                                                 err);
    });
    return py::make_tuple(out.str(), outcome);
  });
  // Approval standing policies -> (result JSON, effect NOOTERRA_STANDING_*)
  m.def("policy_standing_evaluate", [](const std::string& policies, const std::string& envelope) {
    Buffer out;
    int32_t effect = -1;
    Call([&](nooterra_error_t** err) {
      return nooterra_policy_standing_evaluate(U(policies), policies.size(), U(envelope), envelope.size(), &out.b,
                                               &effect, err);
    });
    return py::make_tuple(out.str(), effect);
  });
  m.def("policy_governance_catalog", []() {
    Buffer out;
    Call([&](nooterra_error_t** err) { return nooterra_policy_governance_catalog(&out.b, err); });
    return out.str();
  });

  // A compiled SpendPolicy.v1 (nooterra_spend_policy_t). Immutable: evaluate may run on many
  // threads at once, with the GIL released.
  py::class_<SpendPolicy>(m, "SpendPolicy")
      .def(py::init<const std::string&>())
      .def_property_readonly("hash", &SpendPolicy::hash)
      // evaluate(request JSON, spends JSON or None, now) -> (decision JSON, outcome)
      .def("evaluate", [](const SpendPolicy& p, const std::string& request, std::optional<std::string> spends,
                          const CString& now) {
        Buffer out;
        int32_t outcome = -1;
        const std::string history = spends.value_or("");
        Call([&](nooterra_error_t** err) {
          return nooterra_spend_policy_evaluate(p.get(), U(request), request.size(), U(history), history.size(),
                                                now.c_str(), &out.b, &outcome, err);
        });
        return py::make_tuple(out.str(), outcome);
      });

  // The store, the ledger and the agreement kernel.
  py::class_<Store>(m, "Store")
      .def(py::init<const CString&, bool, bool, uint64_t>())
      .def("close", &Store::Close)
      .def_property_readonly("closed", &Store::closed)
      .def("ledger_post", [](const Store& s, const CString& tenant, const std::string& entry) {
        nooterra_store_t* h = s.get();
        Call([&](nooterra_error_t** err) {
          return nooterra_ledger_post(h, tenant.c_str(), U(entry), entry.size(), err);
        });
      })
      .def("ledger_post_batch", [](const Store& s, const CString& tenant, const std::string& entries) {
        nooterra_store_t* h = s.get();
        Call([&](nooterra_error_t** err) {
          return nooterra_ledger_post_batch(h, tenant.c_str(), U(entries), entries.size(), err);
        });
      })
      .def("ledger_balance", [](const Store& s, const CString& tenant, const CString& owner,
                                const CString& currency, int32_t bucket) {
        int64_t balance = 0;
        nooterra_store_t* h = s.get();
        Call([&](nooterra_error_t** err) {
          return nooterra_ledger_balance(h, tenant.c_str(), owner.c_str(), currency.c_str(), bucket, &balance, err);
        });
        return balance;
      })
      .def("ledger_check", [](const Store& s, const CString& tenant) {
        Buffer out;
        nooterra_store_t* h = s.get();
        Call([&](nooterra_error_t** err) {
          return nooterra_ledger_check(h, tenant.c_str(), &out.b, nullptr, err);
        });
        return out.str();
      })
      .def("store_check", [](const Store& s, std::optional<CString> tenant) {
        Buffer out;
        nooterra_store_t* h = s.get();
        Call([&](nooterra_error_t** err) {
          return nooterra_store_check(h, tenant ? tenant->c_str() : nullptr, &out.b, nullptr, err);
        });
        return out.str();
      })
      .def("tenants", [](const Store& s) {
        Buffer out;
        nooterra_store_t* h = s.get();
        Call([&](nooterra_error_t** err) { return nooterra_store_tenants(h, &out.b, err); });
        return out.str();
      })
      .def("register_agent", [](const Store& s, const CString& tenant, const CString& agent,
                                const CString& pem) {
        Buffer out;
        int32_t existed = 0;
        nooterra_store_t* h = s.get();
        Call([&](nooterra_error_t** err) {
          return nooterra_agreement_register_agent(h, tenant.c_str(), agent.c_str(), pem.c_str(), &out.b, &existed, err);
        });
        return py::make_tuple(out.str(), existed == 1);
      })
      .def("deposit", [](const Store& s, const CString& tenant, const CString& agent,
                         const CString& currency, int64_t amount, const CString& key) {
        Buffer out;
        int32_t existed = 0;
        nooterra_store_t* h = s.get();
        Call([&](nooterra_error_t** err) {
          return nooterra_agreement_deposit(h, tenant.c_str(), agent.c_str(), currency.c_str(), amount, key.c_str(), &out.b, &existed, err);
        });
        return py::make_tuple(out.str(), existed == 1);
      })
      .def("apply", [](const Store& s, const CString& tenant, int32_t operation, std::optional<CString> subject,
                       const std::string& request, const CString& now, const CString& key) {
        Buffer out;
        int32_t existed = 0;
        nooterra_store_t* h = s.get();
        Call([&](nooterra_error_t** err) {
          return nooterra_agreement_apply(h, tenant.c_str(), operation, subject ? subject->c_str() : nullptr, U(request), request.size(), now.c_str(), key.c_str(), &out.b, &existed, err);
        });
        return py::make_tuple(out.str(), existed == 1);
      })
      // ops: [(operation, subject|None, request, now, idempotency_key)] -> (results JSON, failed)
      .def("apply_batch", [](const Store& s, const CString& tenant,
                             const std::vector<std::tuple<int32_t, std::optional<CString>, std::string, CString,
                                                          CString>>& ops) {
        std::vector<nooterra_batch_op_t> raw(ops.size(), nooterra_batch_op_t NOOTERRA_BATCH_OP_INIT);
        for (size_t i = 0; i < ops.size(); ++i) {
          const auto& [operation, subject, request, now, key] = ops[i];
          raw[i].operation = operation;
          raw[i].subject = subject ? subject->c_str() : nullptr;
          raw[i].request_json = U(request);
          raw[i].request_size = request.size();
          raw[i].now = now.c_str();
          raw[i].idempotency_key = key.c_str();
        }
        return ApplyBatch(s, tenant, raw);
      })
      // apply_batch_dicts(tenant, [ {operation, request, subject, now, idempotency_key} ], codes)
      //   -> (results JSON, failed), or None when an operation is not plain data (a non-dict,
      //   an unknown name, a missing or non-str member, a request the JSON writer refuses): the
      //   Python layer then takes the general path, which reports the precise error. This is the
      //   hot path of Store.apply_batch: one pass over the dicts, every string copied into one
      //   arena (the GIL is released during the call, so no pointer into a Python object may
      //   be held), no intermediate tuples.
      .def("apply_batch_dicts", [](const Store& s, const CString& tenant, py::list ops, py::dict codes) -> py::object {
        const size_t n = static_cast<size_t>(PyList_GET_SIZE(ops.ptr()));
        std::string arena;
        arena.reserve(n * 128);
        struct Slot {
          int32_t operation;
          size_t subject, request, request_size, now, key;  // offsets into the arena; subject npos = none
        };
        std::vector<Slot> slots(n);
        const py::str k_operation("operation"), k_subject("subject"), k_now("now"), k_key("idempotency_key"),
            k_request("request");
        const auto str_member = [&](PyObject* d, const py::str& name, bool optional, size_t* at) {
          PyObject* v = PyDict_GetItem(d, name.ptr());  // borrowed
          if (v == nullptr || v == Py_None) {
            *at = std::string::npos;
            return optional;
          }
          if (!PyUnicode_CheckExact(v)) return false;
          Py_ssize_t size = 0;
          const char* utf8 = PyUnicode_AsUTF8AndSize(v, &size);
          if (utf8 == nullptr) return PyErr_Clear(), false;
          if (std::memchr(utf8, 0, static_cast<size_t>(size)) != nullptr) return false;  // the general path refuses it
          *at = arena.size();
          arena.append(utf8, static_cast<size_t>(size));
          arena.push_back('\0');  // now, key and subject travel as C strings
          return true;
        };
        for (size_t i = 0; i < n; ++i) {
          PyObject* d = PyList_GET_ITEM(ops.ptr(), static_cast<Py_ssize_t>(i));
          if (!PyDict_CheckExact(d)) return py::none();
          PyObject* name = PyDict_GetItem(d, k_operation.ptr());
          PyObject* code = name == nullptr ? nullptr : PyDict_GetItemWithError(codes.ptr(), name);
          if (code == nullptr) return PyErr_Clear(), py::none();
          Slot& slot = slots[i];
          slot.operation = static_cast<int32_t>(PyLong_AsLong(code));
          if (!str_member(d, k_subject, true, &slot.subject) || !str_member(d, k_now, false, &slot.now) ||
              !str_member(d, k_key, false, &slot.key)) {
            return py::none();
          }
          PyObject* request = PyDict_GetItem(d, k_request.ptr());
          slot.request = arena.size();
          if (request != nullptr && request != Py_None) {
            if (PyUnicode_CheckExact(request)) {
              Py_ssize_t size = 0;
              const char* utf8 = PyUnicode_AsUTF8AndSize(request, &size);
              if (utf8 == nullptr) return PyErr_Clear(), py::none();
              arena.append(utf8, static_cast<size_t>(size));
            } else if (!AppendJson(request, &arena, 0)) {
              return py::none();
            }
          }
          slot.request_size = arena.size() - slot.request;
        }
        std::vector<nooterra_batch_op_t> raw(n, nooterra_batch_op_t NOOTERRA_BATCH_OP_INIT);
        const auto at = [&](size_t offset) { return offset == std::string::npos ? nullptr : arena.data() + offset; };
        for (size_t i = 0; i < n; ++i) {
          raw[i].operation = slots[i].operation;
          raw[i].subject = at(slots[i].subject);
          raw[i].request_json = reinterpret_cast<const uint8_t*>(arena.data() + slots[i].request);
          raw[i].request_size = slots[i].request_size;
          raw[i].now = at(slots[i].now);
          raw[i].idempotency_key = at(slots[i].key);
        }
        return ApplyBatch(s, tenant, raw);
      })
      .def("state_hash", [](const Store& s, const CString& tenant) {
        char hex[65] = {0};
        nooterra_store_t* h = s.get();
        Call([&](nooterra_error_t** err) { return nooterra_store_state_hash(h, tenant.c_str(), hex, err); });
        return std::string(hex);
      })
      .def("verify_log", [](const Store& s, const CString& tenant) {
        Buffer out;
        nooterra_store_t* h = s.get();
        Call([&](nooterra_error_t** err) { return nooterra_agreement_verify_log(h, tenant.c_str(), &out.b, err); });
        return out.str();
      })
      .def("replay_evaluate", [](const Store& s, const CString& tenant, const CString& agreement_hash) {
        Buffer out;
        nooterra_store_t* h = s.get();
        Call([&](nooterra_error_t** err) {
          return nooterra_agreement_replay_evaluate(h, tenant.c_str(), agreement_hash.c_str(), &out.b, err);
        });
        return out.str();
      })
      .def("replay_evaluate_run", [](const Store& s, const CString& tenant, const CString& run_id) {
        Buffer out;
        nooterra_store_t* h = s.get();
        Call([&](nooterra_error_t** err) { return nooterra_agreement_replay_evaluate_run(h, tenant.c_str(), run_id.c_str(), &out.b, err); });
        return out.str();
      })
      .def("reputation_facts", [](const Store& s, const CString& tenant, const std::string& request) {
        Buffer out;
        nooterra_store_t* h = s.get();
        Call([&](nooterra_error_t** err) {
          return nooterra_agreement_reputation_facts(h, tenant.c_str(), U(request), request.size(), &out.b, err);
        });
        return out.str();
      })
      .def("replay_from", [](const Store& s, const Store& source, const CString& tenant) {
        Buffer out;
        nooterra_store_t* to = s.get();
        nooterra_store_t* from = source.get();
        Call([&](nooterra_error_t** err) { return nooterra_agreement_replay(from, to, tenant.c_str(), &out.b, err); });
        return out.str();
      })
      .def("policy_simulate", [](const Store& s, const CString& tenant, const std::string& policy) {
        Buffer out;
        nooterra_store_t* h = s.get();
        Call([&](nooterra_error_t** err) {
          return nooterra_policy_simulate(h, tenant.c_str(), U(policy), policy.size(), &out.b, err);
        });
        return out.str();
      })
      .def("spend_policy_simulate", [](const Store& s, const CString& tenant, const CString& payer,
                                       const std::string& policy) {
        Buffer out;
        nooterra_store_t* h = s.get();
        Call([&](nooterra_error_t** err) {
          return nooterra_spend_policy_simulate(h, tenant.c_str(), payer.c_str(), U(policy), policy.size(), &out.b, err);
        });
        return out.str();
      })
      .def("maintenance", [](const Store& s, const CString& tenant, const CString& now, bool dry_run,
                             uint32_t limit) {
        Buffer out;
        nooterra_store_t* h = s.get();
        Call([&](nooterra_error_t** err) {
          return nooterra_agreement_maintenance(h, tenant.c_str(), now.c_str(), dry_run ? 1 : 0, limit, &out.b, err);
        });
        return out.str();
      })
      .def("get", [](const Store& s, const CString& tenant, int32_t kind, const CString& key) {
        Buffer out;
        nooterra_store_t* h = s.get();
        Call([&](nooterra_error_t** err) {
          return nooterra_agreement_get(h, tenant.c_str(), kind, key.c_str(), &out.b, err);
        });
        return out.str();
      });
}
