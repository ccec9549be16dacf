// Korean analysis for the development Elasticsearch of `scripts/services start elasticsearch`.
//
// Elasticsearch 7.10.2's own analysis-nori plugin is not on Maven Central, but Lucene's Korean
// analyzer (org.apache.lucene:lucene-analyzers-nori, the code that plugin wraps) is. This class
// registers it under the names and settings the official plugin documents, so index settings
// written for a stock Elasticsearch with analysis-nori work unchanged:
//   analyzer  nori              (decompound_mode, stoptags, user_dictionary, user_dictionary_rules)
//   tokenizer nori_tokenizer    (decompound_mode, discard_punctuation, user_dictionary,
//                                user_dictionary_rules)
//   filters   nori_part_of_speech (stoptags), nori_readingform, nori_number
// The services script compiles it with javac against the fetched jars and passes the class to
// the cluster runner with `-pluginTypes hdcat.elasticsearch.NoriPlugin`.
package hdcat.elasticsearch;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.ko.KoreanAnalyzer;
import org.apache.lucene.analysis.ko.KoreanNumberFilter;
import org.apache.lucene.analysis.ko.KoreanPartOfSpeechStopFilter;
import org.apache.lucene.analysis.ko.KoreanReadingFormFilter;
import org.apache.lucene.analysis.ko.KoreanTokenizer;
import org.apache.lucene.analysis.ko.POS;
import org.apache.lucene.analysis.ko.dict.UserDictionary;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;
import org.elasticsearch.index.IndexSettings;
import org.elasticsearch.index.analysis.AbstractIndexAnalyzerProvider;
import org.elasticsearch.index.analysis.AbstractTokenFilterFactory;
import org.elasticsearch.index.analysis.AbstractTokenizerFactory;
import org.elasticsearch.index.analysis.AnalyzerProvider;
import org.elasticsearch.index.analysis.TokenFilterFactory;
import org.elasticsearch.index.analysis.TokenizerFactory;
import org.elasticsearch.indices.analysis.AnalysisModule.AnalysisProvider;
import org.elasticsearch.plugins.AnalysisPlugin;
import org.elasticsearch.plugins.Plugin;

public class NoriPlugin extends Plugin implements AnalysisPlugin {

    @Override
    public Map<String, AnalysisProvider<TokenizerFactory>> getTokenizers() {
        Map<String, AnalysisProvider<TokenizerFactory>> m = new HashMap<>();
        m.put("nori_tokenizer", Tokenizers::new);
        return m;
    }

    @Override
    public Map<String, AnalysisProvider<TokenFilterFactory>> getTokenFilters() {
        Map<String, AnalysisProvider<TokenFilterFactory>> m = new HashMap<>();
        m.put("nori_part_of_speech", (is, env, name, s) -> new Filter(is, name, s) {
            final Set<POS.Tag> tags = stopTags(s);
            @Override public TokenStream create(TokenStream in) { return new KoreanPartOfSpeechStopFilter(in, tags); }
        });
        m.put("nori_readingform", (is, env, name, s) -> new Filter(is, name, s) {
            @Override public TokenStream create(TokenStream in) { return new KoreanReadingFormFilter(in); }
        });
        m.put("nori_number", (is, env, name, s) -> new Filter(is, name, s) {
            @Override public TokenStream create(TokenStream in) { return new KoreanNumberFilter(in); }
        });
        return m;
    }

    @Override
    public Map<String, AnalysisProvider<AnalyzerProvider<? extends Analyzer>>> getAnalyzers() {
        Map<String, AnalysisProvider<AnalyzerProvider<? extends Analyzer>>> m = new HashMap<>();
        m.put("nori", Analyzers::new);
        return m;
    }

    static KoreanTokenizer.DecompoundMode decompoundMode(Settings s) {
        String v = s.get("decompound_mode");
        return v == null ? KoreanTokenizer.DEFAULT_DECOMPOUND
                : KoreanTokenizer.DecompoundMode.valueOf(v.toUpperCase(Locale.ROOT));
    }

    static Set<POS.Tag> stopTags(Settings s) {
        List<String> names = s.getAsList("stoptags");
        if (names.isEmpty()) {
            return KoreanPartOfSpeechStopFilter.DEFAULT_STOP_TAGS;
        }
        Set<POS.Tag> tags = new HashSet<>();
        for (String n : names) {
            tags.add(POS.resolveTag(n));
        }
        return tags;
    }

    /** user_dictionary (a file under the config dir) or user_dictionary_rules (inline), as the official plugin. */
    static UserDictionary userDictionary(Environment env, Settings s) throws IOException {
        String path = s.get("user_dictionary");
        List<String> rules = s.getAsList("user_dictionary_rules");
        if (path != null && !rules.isEmpty()) {
            throw new IllegalArgumentException("It is not allowed to use [user_dictionary] in conjunction with [user_dictionary_rules]");
        }
        if (path != null) {
            try (Reader r = Files.newBufferedReader(env.configFile().resolve(path), StandardCharsets.UTF_8)) {
                return UserDictionary.open(r);
            }
        }
        if (!rules.isEmpty()) {
            return UserDictionary.open(new StringReader(String.join("\n", rules)));
        }
        return null;
    }

    static final class Tokenizers extends AbstractTokenizerFactory {
        private final UserDictionary dict;
        private final KoreanTokenizer.DecompoundMode mode;
        private final boolean discardPunctuation;

        Tokenizers(IndexSettings is, Environment env, String name, Settings s) throws IOException {
            super(is, s, name);
            dict = userDictionary(env, s);
            mode = decompoundMode(s);
            discardPunctuation = s.getAsBoolean("discard_punctuation", true);
        }

        @Override
        public Tokenizer create() {
            return new KoreanTokenizer(TokenStream.DEFAULT_TOKEN_ATTRIBUTE_FACTORY, dict, mode, false, discardPunctuation);
        }
    }

    abstract static class Filter extends AbstractTokenFilterFactory {
        Filter(IndexSettings is, String name, Settings s) {
            super(is, name, s);
        }
    }

    static final class Analyzers extends AbstractIndexAnalyzerProvider<KoreanAnalyzer> {
        private final KoreanAnalyzer analyzer;

        Analyzers(IndexSettings is, Environment env, String name, Settings s) throws IOException {
            super(is, name, s);
            analyzer = new KoreanAnalyzer(userDictionary(env, s), decompoundMode(s), stopTags(s), false);
        }

        @Override
        public KoreanAnalyzer get() {
            return analyzer;
        }
    }
}
