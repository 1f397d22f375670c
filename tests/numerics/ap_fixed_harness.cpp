// Oracle for fpgaforge's ap_fixed emulation: runs casts and arithmetic through the
// real ap_fixed.h (the ap_types headers shipped by hls4ml).
//
// ap_fixed types are template parameters, so the instances to test are listed in
// generated files (written by tests/numerics/test_ap_fixed_headers.py), one line each:
//     static const Registrar r17(conv_entry<ap_fixed<8, 3, AP_RND, AP_SAT> >(17));
// Several translation units each include one list (-DHARNESS_INSTANCES="file") and
// register their kernels; the unit compiled with -DHARNESS_MAIN holds main().
//
// Protocol (binary, native endianness, on stdin / stdout), repeated until EOF:
//   request : int32 kind, int32 id, int64 n, then n records
//             conv: double x             -> uint64 raw bits of (T)x
//             cast: int64 code of Src    -> uint64 raw bits of (Dst)src
//             add/sub/mul: int64 a, b    -> uint64 lo, hi raw bits of a op b
// `harness --describe` prints "kind id width iwidth signed" per kernel, the
// result type for add/sub/mul and the destination type otherwise.

#include <ap_fixed.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <type_traits>
#include <utility>
#include <vector>

enum Kind { CONV = 0, CAST = 1, ADD = 2, SUB = 3, MUL = 4 };

typedef void (*KernelFn)(const int64_t* in, uint64_t* out, size_t n);

struct Entry {
  int kind;
  int id;
  KernelFn fn;
  int width;
  int iwidth;
  int is_signed;
};

std::vector<Entry>& registry();

struct Registrar {
  explicit Registrar(const Entry& e) { registry().push_back(e); }
};

// Signedness of an ap_fixed / ap_ufixed type, by overload.
template <int W, int I, ap_q_mode Q, ap_o_mode O, int N>
constexpr int signed_of(const ap_fixed<W, I, Q, O, N>*) { return 1; }
template <int W, int I, ap_q_mode Q, ap_o_mode O, int N>
constexpr int signed_of(const ap_ufixed<W, I, Q, O, N>*) { return 0; }

// Raw bits of the stored code: words 0 and 1 of the ap_private behind any ap_fixed
// (bits above the width are unspecified; the reader masks them).
template <class T>
uint64_t raw_word(T& v, int i) {
  return (uint64_t)v.V.get_pVal(i);
}

template <class T>
void raw_bits(T v, uint64_t* lo, uint64_t* hi) {
  *lo = raw_word(v, 0);
  if (hi) *hi = T::width > 64 ? raw_word(v, 1) : 0;
}

template <class T>
void conv_kernel(const int64_t* in, uint64_t* out, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    double x;
    std::memcpy(&x, &in[i], sizeof x);
    T v = x;
    raw_bits(v, &out[i], nullptr);
  }
}

template <class Src, class Dst>
void cast_kernel(const int64_t* in, uint64_t* out, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    Src a;
    a.V = (ap_slong)in[i];
    Dst v = a;
    raw_bits(v, &out[i], nullptr);
  }
}

template <class A, class B, int K>
void arith_kernel(const int64_t* in, uint64_t* out, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    A a;
    B b;
    a.V = (ap_slong)in[2 * i];
    b.V = (ap_slong)in[2 * i + 1];
    if (K == ADD) raw_bits(a + b, &out[2 * i], &out[2 * i + 1]);
    if (K == SUB) raw_bits(a - b, &out[2 * i], &out[2 * i + 1]);
    if (K == MUL) raw_bits(a * b, &out[2 * i], &out[2 * i + 1]);
  }
}

template <class T>
Entry conv_entry(int id) {
  return Entry{CONV, id, &conv_kernel<T>, T::width, T::iwidth, signed_of((T*)nullptr)};
}

template <class Src, class Dst>
Entry cast_entry(int id) {
  return Entry{CAST, id, &cast_kernel<Src, Dst>, Dst::width, Dst::iwidth,
               signed_of((Dst*)nullptr)};
}

template <class A, class B, int K>
Entry arith_entry(int id) {
  typedef typename A::template RType<B::width, B::iwidth, signed_of((B*)nullptr)> R;
  typedef typename std::conditional<
      K == ADD, typename R::plus,
      typename std::conditional<K == SUB, typename R::minus, typename R::mult>::type>::type T;
  return Entry{K, id, &arith_kernel<A, B, K>, T::width, T::iwidth, signed_of((T*)nullptr)};
}

#ifdef HARNESS_INSTANCES
#include HARNESS_INSTANCES
#endif

#ifdef HARNESS_MAIN
std::vector<Entry>& registry() {
  static std::vector<Entry> entries;
  return entries;
}

int main(int argc, char** argv) {
  std::map<std::pair<int, int>, Entry> table;
  for (const Entry& e : registry()) table[std::make_pair(e.kind, e.id)] = e;
  if (argc > 1 && std::strcmp(argv[1], "--describe") == 0) {
    for (const auto& kv : table) {
      const Entry& e = kv.second;
      std::printf("%d %d %d %d %d\n", e.kind, e.id, e.width, e.iwidth, e.is_signed);
    }
    return 0;
  }
  std::vector<int64_t> in;
  std::vector<uint64_t> out;
  for (;;) {
    int32_t head[2];
    int64_t n;
    if (std::fread(head, sizeof head, 1, stdin) != 1) break;
    if (std::fread(&n, sizeof n, 1, stdin) != 1) return 3;
    auto it = table.find(std::make_pair((int)head[0], (int)head[1]));
    if (it == table.end()) {
      std::fprintf(stderr, "no kernel kind=%d id=%d\n", head[0], head[1]);
      return 4;
    }
    size_t words = (size_t)n * (head[0] >= ADD ? 2 : 1);
    in.resize(words);
    out.resize(words);
    if (words && std::fread(in.data(), sizeof(int64_t), words, stdin) != words) return 5;
    it->second.fn(in.data(), out.data(), (size_t)n);
    if (words) std::fwrite(out.data(), sizeof(uint64_t), words, stdout);
  }
  return 0;
}
#endif
