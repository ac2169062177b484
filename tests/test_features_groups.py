"""The feature-group procedure against a hand-built activation matrix."""
import numpy as np
import pytest
import scipy.sparse as sp

from thumbnail_lab.features.groups import feature_status, find_feature_groups, held_out_rows, high_low


def hand_built():
    """3 latents x 8 thumbnails; latent 2 never passes the threshold."""
    acts = np.zeros((8, 3))
    acts[:, 0] = [0.9, 0.8, 0.7, 0.6, 0.5, 0.0, 0.0, 0.0]       # active on rows 0-4
    acts[:, 1] = [0.0, 0.0, 0.1, 0.2, 0.3, 0.4, 0.04, 0.5]      # active on rows 2,3,4,5,7 (0.04 < 0.05)
    acts[:, 2] = 0.01
    views = np.array([10, 20, 30, 40, 50, 60, 70, 80], dtype=float)
    return acts, views


@pytest.mark.parametrize("as_sparse", [False, True])
def test_groups_on_hand_built_matrix(as_sparse):
    acts, views = hand_built()
    g = find_feature_groups(sp.csr_matrix(acts) if as_sparse else acts, views,
                            threshold=0.05, min_count=4, group_size=3)
    assert g.table["feature"].tolist() == [0, 1]
    assert g.table["n_active"].tolist() == [5, 5]
    # latent 0: top-3 rows 0,1,2; row 0 held out; median of views 20, 30 = 25
    # latent 1: top-3 rows 7,5,4; row 7 held out; median of views 60, 50 = 55
    np.testing.assert_array_equal(g.members, [[0, 1, 2], [7, 5, 4]])
    np.testing.assert_allclose(g.table["group_stat"], [25.0, 55.0])
    assert g.table["held_out"].tolist() == [0, 7]
    assert g.table["rank"].tolist() == [2, 1]
    np.testing.assert_allclose(g.table["magnitude"], np.array([25.0, 55.0]) / 45.0)


def test_min_count_excludes_and_mean_statistic():
    acts, views = hand_built()
    g = find_feature_groups(acts, views, threshold=0.05, min_count=6, group_size=3)
    assert len(g.table) == 0
    g = find_feature_groups(acts, views, threshold=0.05, min_count=5, group_size=5, n_held_out=1, statistic="mean")
    np.testing.assert_allclose(g.table["group_stat"], [np.mean([20, 30, 40, 50]), np.mean([60, 50, 40, 30])])


def test_ties_broken_by_row_and_high_low_lists():
    acts = np.zeros((6, 4))
    acts[:, 0] = 1.0                         # all tied: lowest rows win
    acts[:, 1] = [0, 0, 1, 1, 1, 1]
    acts[:, 2] = [1, 1, 1, 1, 0, 0]
    acts[:, 3] = [0, 1, 1, 1, 1, 0]
    views = np.arange(6, dtype=float)
    g = find_feature_groups(acts, views, threshold=0.5, min_count=4, group_size=4, n_held_out=1)
    np.testing.assert_array_equal(g.members[0], [0, 1, 2, 3])
    high, low = high_low(g, top_k=1)
    # latents 0 and 2 tie (same group, median 2): the lower index ranks first, so 2 is last
    assert high["feature"].tolist() == [1] and low["feature"].tolist() == [2]
    status = feature_status(g, top_k=1)
    assert status[1] == "high" and status[2] == "low" and status[0] == "middle"
    np.testing.assert_array_equal(held_out_rows(g, [1, 0]), [2, 0])


def test_bad_input_is_an_error():
    acts, views = hand_built()
    with pytest.raises(ValueError, match="views has shape"):
        find_feature_groups(acts, views[:-1], min_count=4, group_size=3)
    with pytest.raises(ValueError, match="min_count"):
        find_feature_groups(acts, views, min_count=2, group_size=3)


def test_mean_groups_divide_by_the_dataset_mean():
    """Issue 14, item 1: a group mean is compared with the dataset mean, not the median (like by like)."""
    from thumbnail_lab.features.groups import dataset_statistic

    acts, _ = hand_built()
    views = np.array([10, 20, 30, 40, 50, 60, 70, 800], dtype=float)    # mean 135, median 45
    g = find_feature_groups(acts, views, threshold=0.05, min_count=5, group_size=5, statistic="mean")
    assert dataset_statistic(views, "mean") == 135.0 and dataset_statistic(views, "median") == 45.0
    np.testing.assert_allclose(g.table["magnitude"], g.table["group_stat"] / 135.0)
    assert g.statistic == "mean" and g.dataset_stat == 135.0
    med = find_feature_groups(acts, views, threshold=0.05, min_count=5, group_size=5)
    np.testing.assert_allclose(med.table["magnitude"], med.table["group_stat"] / 45.0)


def test_distinct_held_out_rows_count_a_thumbnail_once():
    """Issue 14, item 2: one thumbnail at the top of several features is held out once."""
    acts = np.zeros((6, 3))
    acts[:, 0] = [0.9, 0.5, 0.4, 0.3, 0.0, 0.0]
    acts[:, 1] = [0.8, 0.0, 0.5, 0.4, 0.3, 0.0]      # row 0 is also latent 1's top thumbnail
    acts[:, 2] = [0.0, 0.0, 0.0, 0.3, 0.4, 0.9]
    g = find_feature_groups(acts, np.arange(6.0), threshold=0.05, min_count=3, group_size=3)
    np.testing.assert_array_equal(held_out_rows(g, [0, 1, 2]), [0, 0, 5])
    np.testing.assert_array_equal(held_out_rows(g, [0, 1, 2], distinct=True), [0, 5])


def test_group_overlap_against_random_groups():
    from thumbnail_lab.features.groups import group_overlap

    acts = np.zeros((10, 3))
    acts[:4, 0] = [0.9, 0.8, 0.7, 0.6]
    acts[:4, 1] = [0.6, 0.7, 0.8, 0.9]               # the same four thumbnails
    acts[6:, 2] = 1.0
    g = find_feature_groups(acts, np.arange(10.0), threshold=0.05, min_count=4, group_size=4)
    o = group_overlap(g, n_thumbnails=10)
    assert o["n_groups"] == 3 and o["group_share"] == 0.4
    # 12 memberships over 8 distinct thumbnails: 1.5 groups per member thumbnail
    assert o["groups_per_member"] == 1.5 and o["share_members_in_several_groups"] == 0.5
    # random groups of 4 of 10: a member is in 1 + 2 * 4/10 groups on average
    assert o["groups_per_member_random"] == pytest.approx(1.8)
    assert o["mean_pairwise_jaccard"] == pytest.approx((1.0 + 0 + 0) / 3)


def test_top_activations_in_another_corpus():
    from thumbnail_lab.features.groups import top_activations

    acts = sp.csr_matrix(np.array([[0.0, 0.2], [0.5, 0.0], [0.9, 0.1], [0.0, 0.0]]))
    top = top_activations(acts, np.array([0, 1]), 3, threshold=0.05)
    np.testing.assert_array_equal(top, [[2, 1, -1], [0, 2, -1]])    # -1 pads a latent active on fewer rows


def test_group_size_for_a_share():
    from thumbnail_lab.features.groups import group_size_for_share

    assert group_size_for_share(524_288, 400 / 524_288) == 400
    assert group_size_for_share(100_000, 400 / 524_288) == 76
    assert group_size_for_share(1000, 400 / 524_288) == 3          # at least 3


def test_member_table_lists_every_member_with_its_video_and_activation():
    from thumbnail_lab.features.groups import member_table

    acts, views = hand_built()
    g = find_feature_groups(sp.csr_matrix(acts), views, threshold=0.05, min_count=4, group_size=3)
    ids = [f"v{i}" for i in range(8)]
    t = member_table(g, top_k=1, activations=sp.csr_matrix(acts), video_ids=ids)
    assert list(t.columns[:6]) == ["feature", "status", "rank", "video_id", "activation", "held_out"]
    assert len(t) == 6
    first = t[t["feature"] == 0]
    assert first["video_id"].tolist() == ["v0", "v1", "v2"] and first["rank"].tolist() == [1, 2, 3]
    np.testing.assert_allclose(first["activation"], [0.9, 0.8, 0.7])
    assert first["held_out"].tolist() == [True, False, False]
    # latent 1 has the higher median views: the high feature; latent 0 the low one
    assert set(t.loc[t["feature"] == 1, "status"]) == {"high"} and set(first["status"]) == {"low"}
