// Compiled testbench of a generated fpgaforge top (Verilator, `--prefix Vff_top`).
//
//   ff_tb VECTORS.bin RESULT.json [WAVES.vcd]
//
// (WAVES.vcd only when built with --trace and -DFF_TB_WAVES.)
// The same three phases as the cocotb bench (tb/test_top.py), each after a reset:
// one inference with no back-pressure (latency), back-to-back inferences (initiation
// interval), then every vector with seeded random input gaps and output back-pressure
// (bit-exact check); then three AXI4-Lite register reads. Cycle counting follows the
// cocotb bench: a beat is accepted in the cycle whose inputs see valid && ready, and
// latency = cycle of the last output beat - cycle of the first input beat + 1.
//
// VECTORS.bin (little-endian int64): magic, version, vectors, in_len, out_len, in_lanes,
// in_width, out_lanes, out_width, out_signed, in_beats, out_beats, max_cycles, seed,
// then vectors x in_len input codes and vectors x out_len expected codes (stream order).

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "Vff_top.h"
#include "verilated.h"
#ifdef FF_TB_WAVES
#include "verilated_vcd_c.h"
#endif

namespace {

constexpr int64_t kMagic = 0x4646544231LL;  // "FFTB1"
constexpr int64_t kVersion = 1;
constexpr int kMaxWords = 1024;  // 32768-bit stream words at most

struct Config {
    int64_t vectors, in_len, out_len, in_lanes, in_width, out_lanes, out_width;
    int64_t out_signed, in_beats, out_beats, max_cycles, seed;
};

// Splitmix64: a small seeded generator, the same on every platform.
struct Rng {
    uint64_t state;
    explicit Rng(uint64_t seed) : state(seed) {}
    double uniform() {
        uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        z ^= z >> 31;
        return static_cast<double>(z >> 11) * (1.0 / 9007199254740992.0);
    }
};

// Stream words as arrays of 32-bit words, whatever C type Verilator chose for the port.
template <typename T, typename std::enable_if<std::is_integral<T>::value, int>::type = 0>
void store(T& port, const uint32_t* words) {
    uint64_t value = words[0];
    if (sizeof(T) > 4) value |= static_cast<uint64_t>(words[1]) << 32;
    port = static_cast<T>(value);
}
template <std::size_t N>
void store(VlWide<N>& port, const uint32_t* words) {
    for (std::size_t i = 0; i < N; ++i) port[i] = words[i];
}
template <typename T, typename std::enable_if<std::is_integral<T>::value, int>::type = 0>
void load(const T& port, uint32_t* words) {
    uint64_t value = static_cast<uint64_t>(port);
    words[0] = static_cast<uint32_t>(value);
    words[1] = static_cast<uint32_t>(value >> 32);
}
template <std::size_t N>
void load(const VlWide<N>& port, uint32_t* words) {
    for (std::size_t i = 0; i < N; ++i) words[i] = port[i];
}

void put_field(uint32_t* words, int64_t lo, int64_t width, int64_t code) {
    for (int64_t b = 0; b < width; ++b) {
        if ((code >> b) & 1) words[(lo + b) >> 5] |= 1u << ((lo + b) & 31);
    }
}
int64_t get_field(const uint32_t* words, int64_t lo, int64_t width, bool is_signed) {
    int64_t value = 0;
    for (int64_t b = 0; b < width; ++b) {
        if ((words[(lo + b) >> 5] >> ((lo + b) & 31)) & 1) value |= int64_t(1) << b;
    }
    if (is_signed && width < 64 && ((value >> (width - 1)) & 1)) value -= int64_t(1) << width;
    return value;
}

class Bench {
  public:
    Bench(VerilatedContext* context, const Config& cfg, const std::vector<int64_t>& inputs)
        : cfg_(cfg), inputs_(inputs), top_(new Vff_top{context}) {
        top_->clk = 0;
        top_->eval();  // initial blocks ($readmemh of the ROMs) run here, outside the timed loop
    }
    ~Bench() {
        top_->final();
#ifdef FF_TB_WAVES
        if (trace_) {
            trace_->close();
            delete trace_;
        }
#endif
        delete top_;
    }

#ifdef FF_TB_WAVES
    void open_waves(const char* path) {
        trace_ = new VerilatedVcdC;
        top_->trace(trace_, 99);
        trace_->open(path);
    }
#endif

    int64_t cycles() const { return cycle_; }

    // Settle the inputs set for this cycle (clock low), then the rising edge.
    void settle() {
        top_->eval();
        dump(10 * cycle_ + 5);
    }
    void tick() {
        top_->clk = 1;
        top_->eval();
        dump(10 * cycle_ + 10);
        top_->clk = 0;
        ++cycle_;
    }

    void reset() {
        top_->rst = 1;
        top_->s_axis_tvalid = 0;
        top_->s_axil_awvalid = 0;
        top_->s_axil_wvalid = 0;
        top_->s_axil_arvalid = 0;
        top_->s_axil_awaddr = 0;
        top_->s_axil_araddr = 0;
        top_->s_axil_wdata = 0;
        top_->s_axil_wstrb = 0;
        top_->s_axil_bready = 1;
        top_->s_axil_rready = 1;
        top_->m_axis_tready = 0;
        for (int i = 0; i < 3; ++i) {
            settle();
            tick();
        }
        top_->rst = 0;
        settle();
        tick();
    }

    // One phase: `count` vectors in, `count` frames out. Returns false on a hang.
    bool phase(int64_t count, double gap, double stall, uint64_t seed) {
        reset();
        Rng drive_rng(seed), watch_rng(seed + 1);
        first_accept_ = -1;
        done_at_.clear();
        frames_.clear();
        tlast_errors_ = 0;
        const int64_t total_beats = count * cfg_.in_beats;
        const int64_t frame_len = cfg_.out_beats * cfg_.out_lanes;
        std::vector<int64_t> current;
        current.reserve(frame_len);
        int64_t beat = 0;
        const int64_t start = cycle_;
        uint32_t words[kMaxWords];
        while (static_cast<int64_t>(frames_.size()) < count) {
            if (cycle_ - start > cfg_.max_cycles) return false;
            bool valid = false;
            if (beat < total_beats) {
                valid = drive_rng.uniform() >= gap;
                pack_input(beat, words);
                store(top_->s_axis_tdata, words);
            }
            top_->s_axis_tvalid = valid;
            const bool ready = watch_rng.uniform() >= stall;
            top_->m_axis_tready = ready;
            settle();
            if (valid && top_->s_axis_tready) {
                if (first_accept_ < 0) first_accept_ = cycle_;
                ++beat;
            }
            if (ready && top_->m_axis_tvalid) {
                std::memset(words, 0, sizeof(words));
                load(top_->m_axis_tdata, words);
                for (int64_t lane = 0; lane < cfg_.out_lanes; ++lane) {
                    current.push_back(get_field(words, lane * cfg_.out_width, cfg_.out_width,
                                                cfg_.out_signed != 0));
                }
                const bool last = top_->m_axis_tlast;
                if (static_cast<int64_t>(current.size()) == frame_len) {
                    tlast_errors_ += last ? 0 : 1;
                    frames_.push_back(current);
                    done_at_.push_back(cycle_);
                    current.clear();
                }
            }
            tick();
        }
        top_->s_axis_tvalid = 0;
        top_->m_axis_tready = 0;
        return true;
    }

    uint32_t axil_read(uint32_t addr) {
        top_->s_axil_araddr = addr;
        top_->s_axil_arvalid = 1;
        top_->s_axil_rready = 1;
        for (int64_t wait = 0; wait < 1000; ++wait) {
            settle();
            const bool fire = top_->s_axil_arready;
            tick();
            if (fire) break;
        }
        top_->s_axil_arvalid = 0;
        for (int64_t wait = 0; wait < 1000; ++wait) {
            settle();
            if (top_->s_axil_rvalid) {
                const uint32_t value = top_->s_axil_rdata;
                tick();
                return value;
            }
            tick();
        }
        return 0xFFFFFFFFu;
    }

    int64_t first_accept_ = -1;
    std::vector<int64_t> done_at_;
    std::vector<std::vector<int64_t>> frames_;
    int64_t tlast_errors_ = 0;

  private:
    void pack_input(int64_t beat, uint32_t* words) {
        const int64_t n_words = (cfg_.in_lanes * cfg_.in_width + 31) / 32 + 2;
        std::memset(words, 0, sizeof(uint32_t) * static_cast<size_t>(n_words));
        const int64_t vector = beat / cfg_.in_beats;
        const int64_t first = (beat % cfg_.in_beats) * cfg_.in_lanes;
        const int64_t* codes = inputs_.data() + vector * cfg_.in_len;
        for (int64_t lane = 0; lane < cfg_.in_lanes && first + lane < cfg_.in_len; ++lane) {
            put_field(words, lane * cfg_.in_width, cfg_.in_width, codes[first + lane]);
        }
    }

    void dump(int64_t time) {
#ifdef FF_TB_WAVES
        if (trace_) trace_->dump(static_cast<uint64_t>(time));
#else
        (void)time;
#endif
    }

    Config cfg_;
    const std::vector<int64_t>& inputs_;
    Vff_top* top_;
    int64_t cycle_ = 0;
#ifdef FF_TB_WAVES
    VerilatedVcdC* trace_ = nullptr;
#endif
};

bool read_all(FILE* file, int64_t* out, size_t count) {
    return std::fread(out, sizeof(int64_t), count, file) == count;
}

int fail(const std::string& message) {
    std::fprintf(stderr, "ff_tb: %s\n", message.c_str());
    return 3;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) return fail("usage: ff_tb VECTORS.bin RESULT.json");
    FILE* file = std::fopen(argv[1], "rb");
    if (!file) return fail(std::string("cannot open ") + argv[1]);
    int64_t head[14];
    if (!read_all(file, head, 14) || head[0] != kMagic || head[1] != kVersion) {
        std::fclose(file);
        return fail(std::string(argv[1]) + " is not a version-1 vector file");
    }
    Config cfg{head[2], head[3], head[4], head[5], head[6], head[7], head[8],
               head[9], head[10], head[11], head[12], head[13]};
    if ((cfg.in_lanes * cfg.in_width + 31) / 32 + 2 > kMaxWords ||
        (cfg.out_lanes * cfg.out_width + 31) / 32 + 2 > kMaxWords) {
        std::fclose(file);
        return fail("stream words wider than 32768 bits");
    }
    std::vector<int64_t> inputs(static_cast<size_t>(cfg.vectors * cfg.in_len));
    std::vector<int64_t> expected(static_cast<size_t>(cfg.vectors * cfg.out_len));
    const bool ok = read_all(file, inputs.data(), inputs.size()) &&
                    read_all(file, expected.data(), expected.size());
    std::fclose(file);
    if (!ok || cfg.vectors < 1) return fail(std::string(argv[1]) + " is truncated or empty");

    VerilatedContext context;
    context.commandArgs(1, argv);
#ifdef FF_TB_WAVES
    context.traceEverOn(true);
#endif
    Bench bench(&context, cfg, inputs);
#ifdef FF_TB_WAVES
    if (argc > 3) bench.open_waves(argv[3]);
#endif

    std::string error;
    int64_t latency = 0, interval = 0;
    const auto started = std::chrono::steady_clock::now();
    if (!bench.phase(1, 0.0, 0.0, cfg.seed + 1)) error = "no output within the cycle limit (latency phase)";
    if (error.empty()) latency = bench.done_at_[0] - bench.first_accept_ + 1;
    const int64_t burst = cfg.vectors < 6 ? cfg.vectors : 6;
    if (error.empty() && !bench.phase(burst, 0.0, 0.0, cfg.seed + 2)) {
        error = "no output within the cycle limit (interval phase)";
    }
    if (error.empty()) {
        const auto& done = bench.done_at_;
        interval = done.size() > 1 ? done[done.size() - 1] - done[done.size() - 2] : latency;
    }
    if (error.empty() && !bench.phase(cfg.vectors, 0.1, 0.3, cfg.seed + 3)) {
        error = "no output within the cycle limit (random back-pressure phase)";
    }
    int64_t mismatches = 0;
    std::string detail = "[";
    for (size_t k = 0; k < bench.frames_.size(); ++k) {
        const int64_t* want = expected.data() + k * cfg.out_len;
        const auto& got = bench.frames_[k];
        std::string positions;
        int bad = 0;
        for (int64_t i = 0; i < cfg.out_len && i < static_cast<int64_t>(got.size()); ++i) {
            if (got[i] != want[i]) {
                if (bad < 8) positions += (bad ? "," : "") + std::to_string(i);
                ++bad;
            }
        }
        if (!bad) continue;
        if (mismatches < 5) {
            std::string g, w;
            for (int64_t i = 0; i < 16 && i < cfg.out_len; ++i) {
                g += (i ? "," : "") + std::to_string(got[i]);
                w += (i ? "," : "") + std::to_string(want[i]);
            }
            detail += (mismatches ? "," : "") + std::string("{\"vector\":") + std::to_string(k) +
                      ",\"positions\":[" + positions + "],\"got\":[" + g + "],\"expected\":[" + w +
                      "]}";
        }
        ++mismatches;
    }
    detail += "]";
    const uint32_t reg_id = bench.axil_read(0x00);
    const uint32_t reg_inferences = bench.axil_read(0x14);
    const uint32_t reg_status = bench.axil_read(0x0C);
    const double simulation_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

    FILE* out = std::fopen(argv[2], "w");
    if (!out) return fail(std::string("cannot write ") + argv[2]);
    std::fprintf(out,
                 "{\"vectors\": %lld, \"received\": %zu, \"mismatches\": %lld, "
                 "\"mismatch_detail\": %s, \"tlast_errors\": %lld, \"latency_cycles\": %lld, "
                 "\"interval_cycles\": %lld, \"simulated_cycles\": %lld, \"simulation_s\": %.6f, "
                 "\"error\": \"%s\", "
                 "\"registers\": {\"id\": %u, \"inferences\": %u, \"status\": %u}}\n",
                 static_cast<long long>(cfg.vectors), bench.frames_.size(),
                 static_cast<long long>(mismatches), detail.c_str(),
                 static_cast<long long>(bench.tlast_errors_), static_cast<long long>(latency),
                 static_cast<long long>(interval), static_cast<long long>(bench.cycles()),
                 simulation_s, error.c_str(), reg_id, reg_inferences, reg_status);
    std::fclose(out);
    return 0;
}
